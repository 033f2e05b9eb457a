/* Transport-neutral dispatch over the method table (net_rpc_methods.h). */
#include "net_rpc_methods.h"
#include "net_rpc_auth.h"
#include "ldg_err.h"
#include "ldg_limits.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request is an array of at most this many elements (the method and 4095 arguments). */
#define RPC_ARGS_MAX 4096

char *net_rpc_error(int *status, int err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *status = err;
    json_t *j = json_pack("{s:s,s:s}", "error", ldg_err_name((ldg_err)err), "message", msg);
    /* A sentence that is not UTF-8 (it echoed hostile text) must still give a reply. */
    if (!j)
        j = json_pack("{s:s,s:s}", "error", ldg_err_name((ldg_err)err), "message",
                      "the request holds text that is not valid UTF-8");
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        s = strdup("{\"error\":\"NOMEM\",\"message\":\"out of memory\"}");
    LDG_ASSERT(s);
    return s;
}

const net_rpc_method *net_rpc_method_find(const char *name)
{
    size_t lo = 0, hi = net_rpc_method_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, net_rpc_methods[mid].name);
        if (c == 0)
            return &net_rpc_methods[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int net_rpc_peek_method(const uint8_t *req, size_t len, char out[32])
{
    size_t at;
    if (len < 1)
        return 0;
    if ((req[0] & 0xf0) == 0x90) /* fixarray */
        at = 1;
    else if (req[0] == 0xdc) /* array 16 */
        at = 3;
    else if (req[0] == 0xdd) /* array 32 */
        at = 5;
    else
        return -1;
    if (len < at + 1)
        return 0;
    size_t n;
    if ((req[at] & 0xe0) == 0xa0) { /* fixstr */
        n = req[at] & 0x1f;
        at += 1;
    } else if (req[at] == 0xd9) { /* str 8 (canonical only from 32 bytes: too long) */
        return -1;
    } else {
        return -1;
    }
    if (n == 0)
        return -1;
    if (len < at + n)
        return 0;
    memcpy(out, req + at, n);
    out[n] = '\0';
    return memchr(out, '\0', n) ? -1 : 1;
}

/* Method names are lower-case ASCII; anything else is described, not echoed, so that no
 * hostile byte reaches a reply. */
static bool printable(const char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '\'')
            return false;
    return true;
}

/* Why a caller below a row's access is refused. */
static char *denied(const net_rpc_method *m, int *status)
{
    if (m->access == NET_RPC_OPERATOR)
        return net_rpc_error(status, LDG_ERR_DENIED,
                             "'%s' is an operator method: call it on the node's ipc socket as "
                             "the user running the node",
                             m->name);
    if (m->access == NET_RPC_MEMBER)
        return net_rpc_error(status, LDG_ERR_DENIED,
                             "'%s' is for consortium members: sign the request as a registered "
                             "participant with a role other than investor (specs/rpc.md §1.2)",
                             m->name);
    return net_rpc_error(status, LDG_ERR_DENIED,
                         "'%s' needs a participant's signed request (specs/rpc.md §1.2)", m->name);
}

/* inner: the request of a `signed` envelope, which cannot be one itself. */
static char *dispatch(net_node *n, net_rpc_access caller, const uint8_t *req, size_t len,
                      int *status, bool inner)
{
    *status = 0;
    char name[32];
    /* The row is found from the first bytes, so that access and size are refused before
     * anything else is decoded. */
    bool peeked = net_rpc_peek_method(req, len, name) == 1;
    bool envelope = peeked && !strcmp(name, NET_RPC_SIGNED);
    const net_rpc_method *m = peeked && !envelope ? net_rpc_method_find(name) : NULL;
    if (envelope && inner)
        return net_rpc_error(status, LDG_ERR_PROTOCOL, "a signed request cannot wrap another");
    if (m && caller < m->access)
        return denied(m, status);
    size_t max = m ? m->request_max : LDG_RPC_REQUEST_SMALL_MAX;
    if (len > max)
        return net_rpc_error(status, LDG_ERR_TOO_LARGE,
                             "the request has %zu bytes; '%s' accepts at most %zu", len,
                             m          ? m->name
                             : envelope ? NET_RPC_SIGNED
                                        : "an unknown method",
                             max);
    ldg_dec d;
    ldg_err derr = ldg_decode(&d, req, len);
    if (derr == LDG_ERR_TEXT) /* encoding.md 1.3 */
        return net_rpc_error(status, derr,
                             "a string in the request is not UTF-8 (RFC 3629: no overlong form, "
                             "surrogate, code point above U+10FFFF or truncated sequence)");
    if (derr != LDG_OK)
        return net_rpc_error(status, LDG_ERR_DECODE, "the request is not canonical msgpack");
    const msgpack_object *items;
    uint32_t count;
    char *out;
    if (!ldg_obj_array_any(d.root, RPC_ARGS_MAX, &items, &count) || count < 1 ||
        !ldg_obj_str(&items[0], name, sizeof name - 1, false))
        out = net_rpc_error(status, LDG_ERR_PROTOCOL, "the request must be [method, args...]");
    else if (envelope)
        out = net_rpc_dispatch_signed(n, caller, items, count, status);
    else if (!m && printable(name))
        out = net_rpc_error(status, LDG_ERR_PROTOCOL, "unknown method '%s'", name);
    else if (!m)
        out = net_rpc_error(status, LDG_ERR_PROTOCOL, "unknown method (its name is not ASCII)");
    else
        out = m->handler(n, m->name, items + 1, count - 1, status);
    ldg_dec_free(&d);
    if (!out) /* a handler broke its contract: still a reply, never a crash */
        out = net_rpc_error(status, LDG_ERR_INVALID, "'%s' could not build its reply",
                            m ? m->name : NET_RPC_SIGNED);
    return out;
}

char *net_rpc_dispatch(net_node *n, net_rpc_access caller, const uint8_t *req, size_t len,
                       int *status)
{
    return dispatch(n, caller, req, len, status, false);
}

char *net_rpc_dispatch_inner(net_node *n, net_rpc_access caller, const uint8_t *req, size_t len,
                             int *status)
{
    return dispatch(n, caller, req, len, status, true);
}
