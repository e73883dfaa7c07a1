/*
 * openapi: the OpenAPI 3.1 document of lkgate's API, src/openapi.json
 * embedded in the binary at build time (the Makefile generates
 * openapi_doc.c from it).
 */
#ifndef LKGATE_OPENAPI_H
#define LKGATE_OPENAPI_H

#include <stddef.h>

/* The document's bytes, NUL-terminated; the length excludes the NUL. */
extern const char	openapi_json[];
extern const size_t	openapi_json_len;

#endif
