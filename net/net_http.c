/* HTTP request parsing and the mapping of routes onto the RPC method table (net_http.h). */
#include "net_http.h"
#include "ldg_err.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool net_http_fail(net_http_error *e, int http, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    e->http = http;
    e->code = code;
    return false;
}

/* ---- the head ---- */

static const char *find_crlf(const char *p, const char *end)
{
    for (; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n')
            return p;
    return NULL;
}

/* Request target: origin-form only ("/path?query"), visible ASCII. */
static bool parse_target(const char *t, size_t n, net_http_req *r, net_http_error *e)
{
    if (n == 0 || t[0] != '/')
        return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "the request target must start with '/'");
    if (n > LDG_HTTP_TARGET_MAX)
        return net_http_fail(e, 414, LDG_ERR_TOO_LARGE,
                             "the request target has %zu bytes; at most %d are accepted", n,
                             LDG_HTTP_TARGET_MAX);
    for (size_t i = 0; i < n; i++)
        if (t[i] <= 0x20 || t[i] >= 0x7f)
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL,
                                 "the request target holds a byte that is not visible ASCII");
    const char *q = memchr(t, '?', n);
    size_t pl = q ? (size_t)(q - t) : n;
    memcpy(r->path, t, pl);
    r->path[pl] = '\0';
    size_t ql = q ? n - pl - 1 : 0;
    if (q)
        memcpy(r->query, q + 1, ql);
    r->query[ql] = '\0';
    return true;
}

static bool parse_request_line(const char *p, size_t n, net_http_req *r, net_http_error *e)
{
    const char *sp1 = memchr(p, ' ', n);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p)) : NULL;
    if (!sp1 || !sp2)
        return net_http_fail(e, 400, LDG_ERR_PROTOCOL,
                             "the request line is not METHOD SP TARGET SP VERSION");
    size_t vl = (size_t)(sp1 - p);
    if (vl == 0 || vl >= sizeof r->verb)
        return net_http_fail(e, 501, LDG_ERR_PROTOCOL, "the method is not one this server knows");
    for (size_t i = 0; i < vl; i++)
        if (!isupper((unsigned char)p[i]))
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "the method is not an upper-case token");
    memcpy(r->verb, p, vl);
    r->verb[vl] = '\0';
    const char *ver = sp2 + 1;
    size_t verl = n - (size_t)(ver - p);
    if (verl != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1'))
        return net_http_fail(e, 505, LDG_ERR_PROTOCOL, "only HTTP/1.0 and HTTP/1.1 are served");
    r->keep_alive = ver[7] == '1';
    return parse_target(sp1 + 1, (size_t)(sp2 - sp1 - 1), r, e);
}

static bool is_tchar(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Copies a credential header's value when it fits, else refuses. */
static bool copy_value(char *dst, size_t cap, const char *v, size_t vl, const char *name,
                       net_http_error *e)
{
    if (vl >= cap)
        return net_http_fail(e, 400, LDG_ERR_INVALID, "the header %s is too long", name);
    memcpy(dst, v, vl);
    dst[vl] = '\0';
    return true;
}

static bool header(const char *name, size_t nl, const char *v, size_t vl, net_http_req *r,
                   net_http_error *e)
{
#define IS(s) (nl == sizeof(s) - 1 && !strncasecmp(name, s, nl))
    if (IS("content-length")) {
        uint64_t len = 0;
        if (vl == 0 || vl > 19)
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "Content-Length is not a number");
        for (size_t i = 0; i < vl; i++) {
            if (!isdigit((unsigned char)v[i]))
                return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "Content-Length is not a number");
            len = len * 10 + (uint64_t)(v[i] - '0');
        }
        if (r->has_length && len != r->content_length)
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "two different Content-Length headers");
        r->content_length = len;
        r->has_length = true;
    } else if (IS("transfer-encoding")) {
        return net_http_fail(
            e, 501, LDG_ERR_PROTOCOL,
            "Transfer-Encoding is not accepted: send the body with Content-Length");
    } else if (IS("content-type")) {
        static const char json[] = "application/json";
        size_t jl = sizeof json - 1;
        r->has_ctype = true;
        r->json_body =
            vl >= jl && !strncasecmp(v, json, jl) && (vl == jl || v[jl] == ';' || v[jl] == ' ');
    } else if (IS("connection")) {
        if (vl == 5 && !strncasecmp(v, "close", 5))
            r->keep_alive = false;
        else if (vl == 10 && !strncasecmp(v, "keep-alive", 10))
            r->keep_alive = true;
    } else if (IS("last-event-id")) {
        uint64_t id = 0;
        for (size_t i = 0; i < vl; i++) {
            if (!isdigit((unsigned char)v[i]) || i >= 19)
                return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "Last-Event-ID is not a height");
            id = id * 10 + (uint64_t)(v[i] - '0');
        }
        r->last_event_id = id;
        r->has_last_event_id = vl > 0;
    } else if (IS("x-folio-account")) {
        return copy_value(r->auth_account, sizeof r->auth_account, v, vl, "X-Folio-Account", e);
    } else if (IS("x-folio-time")) {
        return copy_value(r->auth_time, sizeof r->auth_time, v, vl, "X-Folio-Time", e);
    } else if (IS("x-folio-signature")) {
        return copy_value(r->auth_sig, sizeof r->auth_sig, v, vl, "X-Folio-Signature", e);
    }
#undef IS
    return true;
}

static bool parse_header_line(const char *p, size_t n, net_http_req *r, net_http_error *e)
{
    const char *colon = memchr(p, ':', n);
    if (!colon || colon == p)
        return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "a header line has no name");
    for (const char *c = p; c < colon; c++)
        if (!is_tchar(*c))
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "a header name holds a bad byte");
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    for (const char *c = v; c < end; c++)
        if ((unsigned char)*c < 0x20 && *c != '\t')
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "a header value holds a control byte");
    return header(p, (size_t)(colon - p), v, (size_t)(end - v), r, e);
}

int net_http_parse(const uint8_t *buf, size_t len, net_http_req *r, net_http_error *e)
{
    const char *s = (const char *)buf;
    size_t scan = len < LDG_HTTP_HEAD_MAX ? len : LDG_HTTP_HEAD_MAX;
    const char *end = NULL;
    for (size_t i = 0; i + 3 < scan; i++)
        if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == '\r' && s[i + 3] == '\n') {
            end = s + i + 2; /* the last header line's CRLF is kept */
            break;
        }
    if (!end) {
        if (len >= LDG_HTTP_HEAD_MAX)
            return net_http_fail(e, 431, LDG_ERR_TOO_LARGE,
                                 "the request head is larger than %d bytes", LDG_HTTP_HEAD_MAX),
                   -1;
        return 0;
    }
    memset(r, 0, sizeof *r);
    const char *line = s, *crlf = find_crlf(line, end);
    if (!parse_request_line(line, (size_t)(crlf - line), r, e))
        return -1;
    unsigned count = 0;
    for (line = crlf + 2; line < end; line = crlf + 2) {
        crlf = find_crlf(line, end);
        if (++count > LDG_HTTP_HEADERS_MAX)
            return net_http_fail(e, 431, LDG_ERR_TOO_LARGE, "more than %d header lines",
                                 LDG_HTTP_HEADERS_MAX),
                   -1;
        if (*line == ' ' || *line == '\t')
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "folded header lines are not accepted"),
                   -1;
        if (!parse_header_line(line, (size_t)(crlf - line), r, e))
            return -1;
    }
    return (int)(end - s + 2);
}

/* ---- escapes and the query ---- */

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

bool net_http_unescape(const char *s, size_t n, char *out, size_t cap, bool plus)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (o + 1 >= cap)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

int net_http_query_get(const char *query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = query; *p;) {
        const char *amp = strchr(p, '&');
        size_t pl = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', pl);
        size_t kl = eq ? (size_t)(eq - p) : pl;
        if (kl == nl && !memcmp(p, name, nl)) {
            const char *v = eq ? eq + 1 : p + pl;
            return net_http_unescape(v, (size_t)(p + pl - v), out, cap, true) ? 1 : -1;
        }
        p += pl + (amp ? 1 : 0);
    }
    return 0;
}

/* ---- routes ---- */

/* Matches path against a template; path args are decoded into args in order. */
static bool match(const char *tmpl, const char *path, char (*args)[LDG_HTTP_TARGET_MAX + 1],
                  bool *bad)
{
    size_t na = 0;
    while (*tmpl && *path) {
        if (*tmpl != '/' || *path != '/')
            return false;
        tmpl++, path++;
        size_t tl = strcspn(tmpl, "/"), pl = strcspn(path, "/");
        if (*tmpl == '{') {
            if (pl == 0)
                return false;
            if (!net_http_unescape(path, pl, args[na++], LDG_HTTP_TARGET_MAX + 1, false))
                *bad = true;
        } else if (tl != pl || memcmp(tmpl, path, tl) != 0) {
            return false;
        }
        tmpl += tl, path += pl;
    }
    return !*tmpl && !*path;
}

const net_http_route *net_http_route_find(const char *verb, const char *path,
                                          char (*path_args)[LDG_HTTP_TARGET_MAX + 1],
                                          net_http_error *e)
{
    bool other_verb = false;
    for (size_t i = 0; i < net_http_route_count; i++) {
        const net_http_route *rt = &net_http_routes[i];
        bool bad = false;
        if (!match(rt->path, path, path_args, &bad))
            continue;
        if (strcmp(rt->verb, verb) != 0) {
            other_verb = true;
            continue;
        }
        if (bad)
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL,
                                 "a path segment holds a bad %%-escape (or %%00)"),
                   NULL;
        return rt;
    }
    if (other_verb)
        return net_http_fail(e, 405, LDG_ERR_PROTOCOL, "%s is not allowed on this path", verb),
               NULL;
    return net_http_fail(e, 404, LDG_ERR_NOT_FOUND,
                         "no route for this path (see /v1/openapi.json)"),
           NULL;
}

size_t net_http_body_max(const net_http_route *rt)
{
    if (strcmp(rt->verb, "POST") != 0)
        return 0;
    const net_rpc_method *m = net_rpc_method_find(rt->method);
    size_t max = m ? 2 * m->request_max + 4096 : LDG_HTTP_BODY_SMALL_MAX;
    return max < LDG_HTTP_BODY_MAX ? max : LDG_HTTP_BODY_MAX;
}

/* ---- building the msgpack request ---- */

/* One argument's value as given: text from the path or query, or a JSON value (POST). */
typedef struct argval {
    bool present;
    const char *text; /* path or query */
    json_t *json;     /* body member */
} argval;

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s || strlen(s) > 20)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    uint64_t v;
    if (!parse_u64(s + neg, &v) || v > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

static bool hex_to_bin(const char *s, size_t n, ldg_enc *out)
{
    if (n % 2)
        return false;
    uint8_t *b = malloc(n / 2 + 1);
    LDG_ASSERT(b);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return false;
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    ldg_enc_bin(out, b, n / 2);
    free(b);
    return true;
}

static bool enc_u64(const argval *v, ldg_enc *out)
{
    uint64_t u;
    if (v->json) {
        if (!json_is_integer(v->json) || json_integer_value(v->json) < 0)
            return false;
        u = (uint64_t)json_integer_value(v->json);
    } else if (!parse_u64(v->text, &u)) {
        return false;
    }
    ldg_enc_u64(out, u);
    return true;
}

static bool enc_text(const argval *v, ldg_enc *out)
{
    if (v->json && !json_is_string(v->json))
        return false;
    if (v->json)
        ldg_enc_strn(out, json_string_value(v->json), json_string_length(v->json));
    else
        ldg_enc_str(out, v->text);
    return true;
}

static bool enc_hex(const argval *v, ldg_enc *out)
{
    if (v->json && !json_is_string(v->json))
        return false;
    const char *s = v->json ? json_string_value(v->json) : v->text;
    size_t n = v->json ? json_string_length(v->json) : strlen(s);
    return hex_to_bin(s, n, out);
}

static bool enc_hex_list(const argval *v, ldg_enc *out, uint32_t *count)
{
    if (!v->json || !json_is_array(v->json) || json_array_size(v->json) > LDG_RPC_BATCH_TX_MAX)
        return false;
    size_t i;
    json_t *it;
    json_array_foreach(v->json, i, it)
    {
        argval one = {true, NULL, it};
        if (!enc_hex(&one, out))
            return false;
    }
    *count += (uint32_t)json_array_size(v->json);
    return true;
}

static bool trailing(net_http_arg_kind k)
{
    return k >= NET_HA_AFTER;
}

/* Encodes one argument; false if its value is not of its kind. */
static bool enc_arg(const net_http_arg *a, const argval *v, ldg_enc *out, uint32_t *count)
{
    (*count)++;
    switch (a->kind) {
    case NET_HA_CONST:
        ldg_enc_str(out, a->name);
        return true;
    case NET_HA_TEXT:
    case NET_HA_TEXT_EMPTY:
    case NET_HA_AFTER:
        if (!v->present) {
            if (a->kind == NET_HA_AFTER)
                ldg_enc_nil(out);
            else
                ldg_enc_str(out, "");
            return a->kind != NET_HA_TEXT;
        }
        return enc_text(v, out);
    case NET_HA_U64:
    case NET_HA_U64_ZERO:
    case NET_HA_LIMIT:
        if (!v->present) {
            ldg_enc_u64(out, 0);
            return a->kind != NET_HA_U64;
        }
        return enc_u64(v, out);
    case NET_HA_U64_NIL:
    case NET_HA_AFTER_U64:
    case NET_HA_OPT_U64:
        if (!v->present) {
            ldg_enc_nil(out);
            return true;
        }
        return enc_u64(v, out);
    case NET_HA_I64_NIL: {
        int64_t i;
        if (!v->present) {
            ldg_enc_nil(out);
            return true;
        }
        if (v->json ? !json_is_integer(v->json) : !parse_i64(v->text, &i))
            return false;
        ldg_enc_i64(out, v->json ? (int64_t)json_integer_value(v->json) : i);
        return true;
    }
    case NET_HA_HEX:
        return v->present && enc_hex(v, out);
    case NET_HA_HEX_LIST:
        (*count)--;
        return v->present && enc_hex_list(v, out, count);
    }
    return false;
}

static const char *kind_word(net_http_arg_kind k)
{
    switch (k) {
    case NET_HA_TEXT:
    case NET_HA_TEXT_EMPTY:
    case NET_HA_AFTER:
    case NET_HA_CONST:
        return "text";
    case NET_HA_HEX:
        return "hex text";
    case NET_HA_HEX_LIST:
        return "array of hex texts";
    case NET_HA_I64_NIL:
        return "integer";
    default:
        return "unsigned integer";
    }
}

static int path_index(const net_http_route *rt, const char *name)
{
    int idx = 0;
    for (const char *p = strchr(rt->path, '{'); p; p = strchr(p + 1, '{'), idx++) {
        size_t n = strcspn(p + 1, "}");
        if (n == strlen(name) && !memcmp(p + 1, name, n))
            return idx;
    }
    return -1;
}

/* Every query parameter must be one the route names (a typo is an error, not ignored). */
static bool query_known(const net_http_route *rt, const char *query, net_http_error *e)
{
    for (const char *p = query; *p;) {
        size_t pl = strcspn(p, "&");
        size_t kl = strcspn(p, "=&");
        bool known = false;
        for (int i = 0; i < NET_HTTP_ARGS_MAX && rt->args[i].name; i++)
            if (rt->args[i].kind != NET_HA_CONST && path_index(rt, rt->args[i].name) < 0 &&
                strlen(rt->args[i].name) == kl && !memcmp(p, rt->args[i].name, kl))
                known = true;
        if (!known)
            return net_http_fail(e, 400, LDG_ERR_INVALID,
                                 "unknown query parameter (this route takes only those "
                                 "/v1/openapi.json lists)");
        p += pl + (p[pl] == '&');
    }
    return true;
}

static bool body_known(const net_http_route *rt, json_t *body, net_http_error *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        bool known = false;
        for (int i = 0; i < NET_HTTP_ARGS_MAX && rt->args[i].name; i++)
            if (rt->args[i].kind != NET_HA_CONST && !strcmp(key, rt->args[i].name))
                known = true;
        if (!known)
            return net_http_fail(e, 400, LDG_ERR_INVALID,
                                 "the body has a member this route does not take");
    }
    return true;
}

static json_t *parse_body(const net_http_route *rt, const uint8_t *body, size_t len,
                          net_http_error *e)
{
    if (strcmp(rt->verb, "POST") != 0)
        return NULL;
    json_error_t je;
    json_t *j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return net_http_fail(e, 400, LDG_ERR_DECODE, "the body is not JSON (line %d column %d)",
                             je.line, je.column),
               NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return net_http_fail(e, 400, LDG_ERR_DECODE, "the body must be a JSON object"), NULL;
    }
    if (!body_known(rt, j, e)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

bool net_http_build(const net_http_route *rt, char (*path_args)[LDG_HTTP_TARGET_MAX + 1],
                    const char *query, const uint8_t *body, size_t body_len, ldg_enc *out,
                    net_http_error *e)
{
    bool post = !strcmp(rt->verb, "POST");
    if (*query && !query_known(rt, query, e))
        return false;
    json_t *jb = post ? parse_body(rt, body, body_len, e) : NULL;
    if (post && !jb)
        return false;
    /* The values first, so that trailing optional arguments left out can be dropped. */
    argval vals[NET_HTTP_ARGS_MAX] = {{0}};
    char(*qv)[LDG_HTTP_TARGET_MAX + 1] = malloc(NET_HTTP_ARGS_MAX * sizeof *qv);
    LDG_ASSERT(qv);
    int n = 0, last = -1;
    bool ok = true;
    for (; n < NET_HTTP_ARGS_MAX && rt->args[n].name; n++) {
        const net_http_arg *a = &rt->args[n];
        int pi = a->kind == NET_HA_CONST ? -1 : path_index(rt, a->name);
        argval *v = &vals[n];
        if (pi >= 0) {
            v->present = true;
            v->text = path_args[pi];
        } else if (a->kind != NET_HA_CONST && post) {
            v->json = json_object_get(jb, a->name);
            v->present = v->json != NULL && !json_is_null(v->json);
        } else if (a->kind != NET_HA_CONST) {
            int r = net_http_query_get(query, a->name, qv[n], sizeof qv[n]);
            if (r < 0)
                ok = net_http_fail(e, 400, LDG_ERR_PROTOCOL,
                                   "the query parameter '%s' holds a bad %%-escape", a->name);
            v->present = r == 1;
            v->text = qv[n];
        }
        if (!trailing(a->kind) || v->present)
            last = n;
    }
    uint32_t count = 1;
    ldg_enc args;
    ldg_enc_init(&args);
    for (int i = 0; ok && i <= last; i++)
        if (!enc_arg(&rt->args[i], &vals[i], &args, &count))
            ok = net_http_fail(e, 400, LDG_ERR_INVALID, "'%s' must be %s%s", rt->args[i].name,
                               vals[i].present ? "" : "given: ", kind_word(rt->args[i].kind));
    if (ok) {
        ldg_enc_array(out, count);
        ldg_enc_str(out, rt->method);
        ldg_enc_raw(out, ldg_enc_data(&args), ldg_enc_len(&args));
    }
    ldg_enc_free(&args);
    free(qv);
    json_decref(jb);
    return ok;
}

/* ---- statuses and error bodies ---- */

int net_http_status_of(int s)
{
    switch (s) {
    case LDG_OK:
        return 200;
    case LDG_ERR_DECODE:
    case LDG_ERR_INVALID:
    case LDG_ERR_CRYPTO:
    case LDG_ERR_PROTOCOL:
    case LDG_ERR_TEXT:
        return 400;
    case LDG_ERR_DENIED:
        return 403;
    case LDG_ERR_NOT_FOUND:
        return 404;
    case LDG_ERR_EXISTS:
        return 409;
    case LDG_ERR_PRUNED:
        return 410;
    case LDG_ERR_TOO_LARGE:
        return 413;
    case LDG_ERR_UNAVAILABLE:
    case LDG_ERR_STOPPED:
        return 503;
    case LDG_ERR_TIMEOUT:
        return 504;
    default: /* NOMEM, IO, CORRUPT, DIVERGED */
        return 500;
    }
}

const char *net_http_reason(int http)
{
    switch (http) {
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Internal Server Error";
    }
}

char *net_http_error_body(int code, const char *message)
{
    json_t *j = json_pack("{s:i,s:s,s:s}", "code", code, "name", ldg_err_name((ldg_err)code),
                          "message", message);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        s = strdup("{\"code\":1,\"name\":\"NOMEM\",\"message\":\"out of memory\"}");
    LDG_ASSERT(s);
    return s;
}

char *net_http_error_from_rpc(int status, const char *rpc_json)
{
    json_t *j = json_loads(rpc_json, 0, NULL);
    const char *msg = j ? json_string_value(json_object_get(j, "message")) : NULL;
    char *s = net_http_error_body(status, msg ? msg : ldg_err_str((ldg_err)status));
    json_decref(j);
    return s;
}

/* ---- the OpenAPI document ---- */

static json_t *schema_of(net_http_arg_kind k)
{
    switch (k) {
    case NET_HA_U64:
    case NET_HA_U64_ZERO:
    case NET_HA_U64_NIL:
    case NET_HA_AFTER_U64:
    case NET_HA_LIMIT:
    case NET_HA_OPT_U64:
        return json_pack("{s:s,s:i}", "type", "integer", "minimum", 0);
    case NET_HA_I64_NIL:
        return json_pack("{s:s}", "type", "integer");
    case NET_HA_HEX:
        return json_pack("{s:s,s:s}", "type", "string", "pattern", "^([0-9a-fA-F]{2})*$");
    case NET_HA_HEX_LIST:
        return json_pack("{s:s,s:{s:s,s:s},s:i}", "type", "array", "items", "type", "string",
                         "pattern", "^([0-9a-fA-F]{2})*$", "maxItems", LDG_RPC_BATCH_TX_MAX);
    default:
        return json_pack("{s:s}", "type", "string");
    }
}

static bool arg_required(net_http_arg_kind k)
{
    return k == NET_HA_TEXT || k == NET_HA_U64 || k == NET_HA_HEX || k == NET_HA_HEX_LIST;
}

static json_t *operation(const net_http_route *rt)
{
    bool post = !strcmp(rt->verb, "POST");
    const net_rpc_method *m = net_rpc_method_find(rt->method);
    json_t *params = json_array(), *props = json_object(), *req = json_array();
    for (int i = 0; i < NET_HTTP_ARGS_MAX && rt->args[i].name; i++) {
        const net_http_arg *a = &rt->args[i];
        if (a->kind == NET_HA_CONST)
            continue;
        bool in_path = path_index(rt, a->name) >= 0;
        if (post && !in_path) {
            json_object_set_new(props, a->name, schema_of(a->kind));
            if (arg_required(a->kind))
                json_array_append_new(req, json_string(a->name));
            continue;
        }
        json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:o}", "name", a->name, "in",
                                                in_path ? "path" : "query", "required",
                                                in_path || arg_required(a->kind), "schema",
                                                schema_of(a->kind)));
    }
    json_t *err = json_pack("{s:s,s:{s:{s:{s:s}}}}", "description",
                            "an error {code, name, message} (specs/http.md §3)", "content",
                            "application/json", "schema", "$ref", "#/components/schemas/Error");
    json_t *op =
        json_pack("{s:s,s:s,s:o,s:{s:{s:s},s:o},s:s,s:b}", "operationId", rt->method, "summary",
                  rt->summary, "parameters", params, "responses", "200", "description",
                  "the method's reply (specs/rpc.md §3)", "default", err, "x-folio-access",
                  !m                              ? "unknown"
                  : m->access == NET_RPC_OPERATOR ? "operator"
                  : m->access == NET_RPC_MEMBER   ? "member"
                                                  : "public",
                  "x-folio-paged", m && m->paged);
    if (post)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b,s:{s:{s:{s:s,s:o,s:o,s:b}}}}", "required", true,
                                      "content", "application/json", "schema", "type", "object",
                                      "properties", props, "required", req, "additionalProperties",
                                      false));
    else {
        json_decref(props);
        json_decref(req);
    }
    return op;
}

char *net_http_openapi(void)
{
    json_t *paths = json_object();
    for (size_t i = 0; i < net_http_route_count; i++) {
        const net_http_route *rt = &net_http_routes[i];
        json_t *item = json_object_get(paths, rt->path);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->path, item);
        }
        char verb[8];
        size_t n = strlen(rt->verb);
        for (size_t k = 0; k <= n; k++)
            verb[k] = (char)tolower((unsigned char)rt->verb[k]);
        json_object_set_new(item, verb, operation(rt));
    }
    static const char *const ops[][2] = {
        {"/healthz", "200 when the node is healthy, 503 naming the failing components"},
        {"/version", "the node's version and chain"},
        {"/metrics", "Prometheus text exposition"},
        {"/v1/openapi.json", "this document"},
        {"/v1/events", "server-sent events: committed blocks and matching receipts"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        json_object_set_new(paths, ops[i][0],
                            json_pack("{s:{s:s,s:{s:{s:s}}}}", "get", "summary", ops[i][1],
                                      "responses", "200", "description", "see specs/http.md"));
    json_t *doc = json_pack(
        "{s:s,s:{s:s,s:s,s:s},s:o,s:{s:{s:{s:s,s:[sss],s:{s:{s:s},s:{s:s},s:{s:s}}}}}}", "openapi",
        "3.0.3", "info", "title", "folio HTTP API", "version", "v1", "description",
        "A transport over the node's RPC method table (specs/http.md, specs/rpc.md).", "paths",
        paths, "components", "schemas", "Error", "type", "object", "required", "code", "name",
        "message", "properties", "code", "type", "integer", "name", "type", "string", "message",
        "type", "string");
    char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    LDG_ASSERT(s);
    return s;
}
