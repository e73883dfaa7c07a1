// The npm package oidc-provider (a certified OpenID Connect provider),
// re-exported from the one folder that has npm packages installed, so
// that integration tests can log in against a real provider on loopback.
export { default as Provider } from 'oidc-provider';
