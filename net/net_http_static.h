/* The explorer's static files (specs/explorer.md): the files of web/explorer built into the
 * node as C arrays by web/explorer/embed.cmake (net_http_static_data.c in the build
 * directory), served under /explorer/ with a Content-Security-Policy that lets the pages
 * load only their own scripts and styles and talk only to this node. */
#ifndef NET_HTTP_STATIC_H
#define NET_HTTP_STATIC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct net_http_static_file {
    const char *path; /* "/explorer/app.js" */
    const unsigned char *data;
    size_t len;
    const char *ctype;
} net_http_static_file;

/* Generated: every file of web/explorer, sorted by name. */
extern const net_http_static_file net_http_static_files[];
extern const size_t net_http_static_count;

/* The file served at path ("/explorer" and "/explorer/" are its index.html), or NULL. */
const net_http_static_file *net_http_static_find(const char *path);

/* The header lines sent with every explorer file (Content-Security-Policy and friends). */
extern const char net_http_static_headers[];

typedef struct net_http_reply net_http_reply;
/* The reply serving f (a copy of its bytes, with net_http_static_headers). */
void net_http_static_reply(const net_http_static_file *f, net_http_reply *out);

#endif
