/*
 * main: the command line, signals, wiring and shutdown order.
 *
 *   lkgate [-f file]        run in the foreground, JSON log lines on stderr
 *   lkgate -n [-f file]     check the configuration and exit 0 or 1
 *   lkgate --dev            development defaults, loopback only
 *   lkgate --options        list every configuration option
 *   lkgate --routes         list every route: method, path, name
 *   lkgate --version, -h
 *
 * SIGTERM and SIGINT stop accepting, let requests in flight finish for up
 * to shutdown_grace_ms, then exit 0.  SIGHUP re-reads the configuration
 * and swaps it in only when it is valid.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "blockpool.h"
#include "conf.h"
#include "handlers.h"
#include "httpfront.h"
#include "lkclient.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "oidcprov.h"
#include "ratelim.h"
#include "rlshared.h"
#include "sampler.h"
#include "upstream.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/lkgate/lkgate.conf"
#define DRAIN_POLL_MS 20

struct options {
	const char	*path;
	int		 path_given;
	int		 check_only;
	int		 dev;
};

struct runtime {
	struct lkgate	 gate;
	struct options	 opts;
	struct event	*sig_term;
	struct event	*sig_int;
	struct event	*sig_hup;
	struct event	*drain;
	uint64_t	 drain_deadline;
	char		*dev_entry;	/* --dev: the key made at start */
	unsigned char	 guest_key[32];	/* when guest_key is unset */
	int		 guest_key_made;
};

static const char *
env_lookup(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: lkgate [-n] [-f file] [--dev]\n"
	    "       lkgate --options | --routes | --version | -h\n"
	    "  -f file    configuration file (default $LKGATE_CONFIG or "
	    DEFAULT_CONFIG ")\n"
	    "  -n         check the configuration and exit\n"
	    "  --dev      development defaults: LiveKit ws://localhost:7880 "
	    "with devkey/secret,\n"
	    "             listen on 127.0.0.1:8083, a development API key\n"
	    "  --options  list every option: key, variable, default, help\n"
	    "  --routes   list every route: method, path, name\n");
}

static void
print_option(void *arg, const char *key, const char *env, const char *def,
    const char *help)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\n", key, env, def, help);
}

/* Writes a route pattern with each ":param" segment as "{param}", the
 * way OpenAPI writes path parameters. */
static void
print_pattern(const char *p)
{
	size_t n;

	while (*p != '\0') {
		n = strcspn(p + 1, "/") + 1;	/* one segment and its slash */
		if (p[1] == ':')
			printf("/{%.*s}", (int)(n - 2), p + 2);
		else
			printf("%.*s", (int)n, p);
		p += n;
	}
}

/* --routes: one line per route, method, pattern and name, tab-separated.
 * HEAD (answered by every GET route) and OPTIONS are not listed. */
static void
print_routes(void)
{
	char method[16];
	size_t i;

	for (i = 0; i < nroutes; i++) {
		if (routes[i].method & (M_HEAD | M_OPTIONS))
			continue;
		router_allow_string(routes[i].method, method, sizeof(method));
		printf("%s\t", method);
		print_pattern(routes[i].pattern);
		printf("\t%s\n", routes[i].name);
	}
}

/* Parses argv; exits for -h, --version, --options, --routes and bad
 * usage. */
static void
parse_args(int argc, char **argv, struct options *o)
{
	int i;

	o->path = getenv("LKGATE_CONFIG");
	o->path_given = o->path != NULL && *o->path != '\0';
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
			o->path = argv[++i];
			o->path_given = 1;
		} else if (strcmp(argv[i], "-n") == 0)
			o->check_only = 1;
		else if (strcmp(argv[i], "--dev") == 0)
			o->dev = 1;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("lkgate %s\n", LKGATE_VERSION);
			exit(0);
		} else if (strcmp(argv[i], "--options") == 0) {
			conf_foreach_option(print_option, NULL);
			exit(0);
		} else if (strcmp(argv[i], "--routes") == 0) {
			print_routes();
			exit(0);
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			usage(stderr);
			exit(2);
		}
	}
	if (!o->path_given)
		o->path = DEFAULT_CONFIG;
}

static struct conf *
load_conf(const struct options *o, char **err)
{
	return conf_load(o->path, o->path_given, o->dev, env_lookup, NULL, err);
}

/*
 * In --dev with no keys configured, makes one admin key and shows it; a
 * reload adds the same key again, so that the key shown stays valid.
 */
static void
add_dev_key(struct runtime *rt, struct conf *c)
{
	unsigned char raw[16];
	char hex[sizeof(raw) * 2 + 1], *why = NULL;
	size_t i;

	if (c->napi_keys > 0)
		return;
	if (rt->dev_entry != NULL) {
		if (conf_add_api_key(c, rt->dev_entry, &why) == -1)
			fatal("development key: %s", why);
		return;
	}
	util_random_bytes(raw, sizeof(raw));
	for (i = 0; i < sizeof(raw); i++)
		snprintf(hex + i * 2, 3, "%02x", raw[i]);
	rt->dev_entry = xasprintf("dev:lkdev-%s:admin", hex);
	if (conf_add_api_key(c, rt->dev_entry, &why) == -1)
		fatal("development key: %s", why);
	fprintf(stderr, "\n"
	    "  *** lkgate is running in DEVELOPMENT mode: NOT FOR PRODUCTION ***\n"
	    "  LiveKit %s with API key %s, listening on %s only.\n"
	    "  Development API key (admin): lkdev-%s\n"
	    "  Try: curl -H 'X-API-Key: lkdev-%s' "
	    "-H 'Content-Type: application/json' \\\n"
	    "        -d '{\"user_id\":\"user123\"}' "
	    "http://%s/api/sessions\n\n",
	    c->livekit_url, c->livekit_api_key, c->listen, hex, hex, c->listen);
}

/*
 * Without guest_key, guests are signed with a key made at start and kept
 * for the process's life, so that a reload keeps them signed in.
 */
static void
add_guest_key(struct runtime *rt, struct conf *c)
{
	if (c->guest_keys != NULL)
		return;
	if (!rt->guest_key_made) {
		util_random_bytes(rt->guest_key, sizeof(rt->guest_key));
		rt->guest_key_made = 1;
	}
	if (c->guest_users)
		log_warn("guest_key is not set: guest credentials are signed "
		    "with a random key, so a restart signs every guest out "
		    "and other instances refuse them; set guest_key when "
		    "running several");
	conf_set_guest_key(c, rt->guest_key, sizeof(rt->guest_key));
}

static void
apply_log_level(const struct conf *c)
{
	enum log_level l;

	if (log_level_parse(c->log_level, &l) == 0)
		log_set_level(l);
}

/* A start-up-only option (OPT_RESTART in the options table) that the new
 * configuration changes. */
static void
warn_kept(void *arg, const char *key, const char *kept)
{
	(void)arg;
	log_warn("reload: %s stays %s until a restart", key, kept);
}

/* SIGHUP: a valid new configuration replaces the old one. */
static void
reload(struct runtime *rt)
{
	struct conf *nc, *old = rt->gate.conf;
	char *err = NULL;

	if ((nc = load_conf(&rt->opts, &err)) == NULL) {
		log_error("reload refused, keeping the running configuration: %s",
		    err);
		free(err);
		metrics_inc(rt->gate.metrics, MC_RELOAD_FAILURES);
		return;
	}
	conf_foreach_restart_change(old, nc, warn_kept, NULL);
	if (rt->opts.dev)
		add_dev_key(rt, nc);
	add_guest_key(rt, nc);
	rt->gate.conf = nc;
	rt->gate.conf_loaded_at = util_wall_s();
	lkclient_set_conf(rt->gate.lk, nc);
	httpfront_apply_conf(rt->gate.front);
	apply_log_level(nc);
	conf_free(old);
	metrics_inc(rt->gate.metrics, MC_RELOADS);
	log_info("configuration reloaded");
}

static void
drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct runtime *rt = arg;
	struct timeval tv = { 0, DRAIN_POLL_MS * 1000 };
	size_t n = httpfront_inflight(rt->gate.front);

	(void)fd;
	(void)what;
	if (n == 0 || util_mono_ms() >= rt->drain_deadline) {
		if (n > 0)
			log_warn("shutdown: dropping %zu requests after the "
			    "grace period", n);
		event_base_loopexit(rt->gate.base, NULL);
		return;
	}
	if (evtimer_add(rt->drain, &tv) == -1)
		fatal("evtimer_add failed");
}

static void
begin_shutdown(struct runtime *rt, const char *why)
{
	if (rt->gate.stopping)
		return;
	rt->gate.stopping = 1;
	log_info("%s: stopping, %zu requests in flight", why,
	    httpfront_inflight(rt->gate.front));
	httpfront_stop_accepting(rt->gate.front);
	rt->drain_deadline = util_mono_ms() +
	    (uint64_t)rt->gate.conf->shutdown_grace_ms;
	if ((rt->drain = evtimer_new(rt->gate.base, drain_tick, rt)) == NULL)
		fatal("evtimer_new failed");
	drain_tick(-1, 0, rt);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct runtime *rt = arg;

	(void)what;
	if (sig == SIGHUP)
		reload(rt);
	else
		begin_shutdown(rt, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static struct event *
add_signal(struct runtime *rt, int sig)
{
	struct event *ev;

	if ((ev = evsignal_new(rt->gate.base, sig, on_signal, rt)) == NULL ||
	    evsignal_add(ev, NULL) == -1)
		fatal("cannot watch signal %d", sig);
	return ev;
}

/* The counters, labelled by the routes' names, LiveKit's methods and
 * outcomes and the rate-limit classes. */
static struct metrics *
new_metrics(void)
{
	const char *method[LK_METHOD_COUNT];
	const char **route;
	struct metrics_labels l;
	struct metrics *m;
	size_t i;

	route = xcalloc(nroutes, sizeof(*route));
	for (i = 0; i < nroutes; i++)
		route[i] = routes[i].name;
	for (i = 0; i < LK_METHOD_COUNT; i++)
		method[i] = lk_method_name((enum lk_method)i);
	l.routes = route;
	l.nroutes = nroutes;
	l.lk_methods = method;
	l.nlk_methods = LK_METHOD_COUNT;
	l.lk_outcomes = lk_outcome_names;
	l.nlk_outcomes = LK_OUTCOME_COUNT;
	l.rl_classes = ratelim_class_names;
	l.nrl_classes = RL_NCLASSES;
	m = metrics_new(&l);
	free(route);
	return m;
}

static void
start(struct runtime *rt)
{
	struct lkgate *g = &rt->gate;
	struct event_config *ec;
	char *err = NULL;

	/*
	 * epoll's changelist folds the read/write enable and disable pairs
	 * evhttp makes around each request into what changed by the next
	 * loop turn: 2 epoll_ctl per keep-alive request instead of 4, a
	 * tenth of lkgate's CPU on the token route (make bench).  Safe
	 * here: no watched descriptor is ever dup()ed.
	 */
	if ((ec = event_config_new()) == NULL)
		fatal("event_config_new failed");
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	g->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (g->base == NULL)
		fatal("event_base_new failed");
	if ((g->up = upstream_new(g->base,
	    (long)g->conf->upstream_max_connections)) == NULL)
		fatal("cannot start the HTTP client");
	g->lk = lkclient_new(g->up, g->conf);
	g->oidc = oidcprov_new(g->base, g->up);
	g->started_ms = util_mono_ms();
	g->conf_loaded_at = util_wall_s();
	g->metrics = new_metrics();
	g->rls = rlshared_new(g->base, g->conf, g->metrics);
	if ((g->front = httpfront_new(g, routes, nroutes, &err)) == NULL)
		fatal("%s", err);
	g->sampler = sampler_new(g);
	rt->sig_term = add_signal(rt, SIGTERM);
	rt->sig_int = add_signal(rt, SIGINT);
	rt->sig_hup = add_signal(rt, SIGHUP);
}

/* Frees in the order the guide's shutdown recipe asks for. */
static void
stop(struct runtime *rt)
{
	struct lkgate *g = &rt->gate;

	httpfront_free(g->front);
	sampler_free(g->sampler);
	rlshared_free(g->rls);
	lkclient_free(g->lk);
	oidcprov_free(g->oidc);
	upstream_free(g->up);
	if (rt->drain != NULL)
		event_free(rt->drain);
	event_free(rt->sig_term);
	event_free(rt->sig_int);
	event_free(rt->sig_hup);
	log_detach();
	event_base_free(g->base);
	metrics_free(g->metrics);
	conf_free(g->conf);
	free(rt->dev_entry);
}

int
main(int argc, char **argv)
{
	struct runtime rt;
	char *err = NULL;

	memset(&rt, 0, sizeof(rt));
	/* Before anything that may call libevent (the configuration parses
	 * URLs with it): its blocks must all come from one allocator. */
	blockpool_install_libevent();
	parse_args(argc, argv, &rt.opts);
	if ((rt.gate.conf = load_conf(&rt.opts, &err)) == NULL) {
		fprintf(stderr, "lkgate: %s\n", err);
		free(err);
		return 1;
	}
	if (rt.opts.check_only) {
		printf("lkgate: configuration OK\n");
		conf_free(rt.gate.conf);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	log_hook_libevent();
	apply_log_level(rt.gate.conf);
	if (rt.opts.dev)
		add_dev_key(&rt, rt.gate.conf);
	add_guest_key(&rt, rt.gate.conf);
	start(&rt);
	log_attach(rt.gate.base);
	log_info("lkgate %s listening on %s, LiveKit API at %s",
	    LKGATE_VERSION, rt.gate.conf->listen, rt.gate.conf->livekit_api_url);
	if (event_base_dispatch(rt.gate.base) == -1)
		log_error("event loop failed");
	stop(&rt);
	log_info("stopped");
	return 0;
}
