/*
 * adminpage: the admin page, src/admin.html embedded in the binary at
 * build time (the Makefile generates admin_doc.c from it).  One file with
 * one inline <style> and one inline <script>, no external assets.
 */
#ifndef LKGATE_ADMINPAGE_H
#define LKGATE_ADMINPAGE_H

#include <stddef.h>

/* The page's bytes, NUL-terminated; the length excludes the NUL. */
extern const char	admin_html[];
extern const size_t	admin_html_len;

#endif
