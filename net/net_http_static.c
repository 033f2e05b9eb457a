/* The explorer's files (net_http_static.h). */
#include "net_http_static.h"
#include "ldg_err.h"
#include "net_http_serve.h"

#include <stdlib.h>

#include <string.h>

/* script-src 'self': the pages run only the explorer's own modules (no inline script, no
 * eval), so a hostile name that slipped into markup still could not run; connect-src
 * 'self': they read only this node's API; nothing may frame them. */
const char net_http_static_headers[] =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'\r\n"
    "Referrer-Policy: no-referrer\r\n";

const net_http_static_file *net_http_static_find(const char *path)
{
    if (!strcmp(path, "/explorer") || !strcmp(path, "/explorer/"))
        path = "/explorer/index.html";
    for (size_t i = 0; i < net_http_static_count; i++)
        if (!strcmp(path, net_http_static_files[i].path))
            return &net_http_static_files[i];
    return NULL;
}

void net_http_static_reply(const net_http_static_file *f, net_http_reply *out)
{
    char *b = malloc(f->len + 1);
    if (!b) {
        net_http_error e;
        net_http_fail(&e, 503, LDG_ERR_NOMEM, "out of memory; retry later");
        return net_http_reply_error(out, &e);
    }
    memcpy(b, f->data, f->len);
    b[f->len] = 0;
    out->status = 200;
    out->body = b;
    out->len = f->len;
    out->ctype = f->ctype;
    out->extra = net_http_static_headers;
}
