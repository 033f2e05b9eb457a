/* Unit tests for the HTTP API's mapping onto the RPC method table (net/net_http.c,
 * net/net_http_routes.c, net/net_http_serve.c): every method of the table has a route and
 * every route reaches a method; the OpenAPI document is JSON and lists every route; the
 * head parser refuses what specs/http.md §4 says; paths, queries and bodies become the
 * msgpack requests the methods take; statuses map as §3 says; served in-process against a
 * node, errors carry {code, name, message} and credentials are checked (§5). */
#include "testlib.h"

#include "node_testkit.h"
#include "ldg_err.h"
#include "net_http.h"
#include "net_http_serve.h"

#include <jansson.h>

/* ---- the tables ---- */

START_TEST(test_every_method_routed)
{
    for (size_t i = 0; i < net_rpc_method_count; i++) {
        bool found = false;
        for (size_t r = 0; r < net_http_route_count; r++)
            found = found || !strcmp(net_http_routes[r].method, net_rpc_methods[i].name);
        ck_assert_msg(found, "method '%s' has no HTTP route in net/net_http_routes.c",
                      net_rpc_methods[i].name);
    }
}
END_TEST

/* Every route names a method of the table, has a GET or POST verb, an argument for each
 * {name} of its path, and paged methods end with after and limit. */
START_TEST(test_routes_well_formed)
{
    for (size_t r = 0; r < net_http_route_count; r++) {
        const net_http_route *rt = &net_http_routes[r];
        const net_rpc_method *m = net_rpc_method_find(rt->method);
        ck_assert_msg(m != NULL, "route %s names no method", rt->path);
        ck_assert_msg(!strcmp(rt->verb, "GET") || !strcmp(rt->verb, "POST"), "%s", rt->path);
        ck_assert_msg(!strncmp(rt->path, "/v1/", 4), "%s", rt->path);
        for (const char *p = strchr(rt->path, '{'); p; p = strchr(p + 1, '{')) {
            size_t n = strcspn(p + 1, "}");
            bool has = false;
            for (int a = 0; a < NET_HTTP_ARGS_MAX && rt->args[a].name; a++)
                has =
                    has || (strlen(rt->args[a].name) == n && !strncmp(rt->args[a].name, p + 1, n));
            ck_assert_msg(has, "%s: a path segment names no argument", rt->path);
        }
        int na = 0;
        while (na < NET_HTTP_ARGS_MAX && rt->args[na].name)
            na++;
        if (m->paged) {
            bool page = false;
            for (int a = 1; a < na; a++)
                page = page ||
                       (rt->args[a - 1].kind == NET_HA_AFTER && rt->args[a].kind == NET_HA_LIMIT);
            ck_assert_msg(page, "%s: a paged method's route takes after and limit", rt->path);
        }
        for (size_t o = 0; o < r; o++)
            ck_assert_msg(strcmp(net_http_routes[o].path, rt->path) ||
                              strcmp(net_http_routes[o].verb, rt->verb),
                          "%s %s routed twice", rt->verb, rt->path);
    }
}
END_TEST

START_TEST(test_openapi_lists_every_route)
{
    char *doc = net_http_openapi();
    json_error_t je;
    json_t *j = json_loads(doc, 0, &je);
    ck_assert_msg(j != NULL, "openapi is not JSON: %s", je.text);
    ck_assert_str_eq(json_string_value(json_object_get(j, "openapi")), "3.0.3");
    json_t *paths = json_object_get(j, "paths");
    for (size_t r = 0; r < net_http_route_count; r++) {
        char verb[8];
        snprintf(verb, sizeof verb, "%s", !strcmp(net_http_routes[r].verb, "GET") ? "get" : "post");
        json_t *op = json_object_get(json_object_get(paths, net_http_routes[r].path), verb);
        ck_assert_msg(op != NULL, "openapi lacks %s %s", verb, net_http_routes[r].path);
        ck_assert_str_eq(json_string_value(json_object_get(op, "operationId")),
                         net_http_routes[r].method);
    }
    json_decref(j);
    free(doc);
}
END_TEST

/* specs/http.md lists every route as "`VERB /path`" (the spec is normative). */
START_TEST(test_spec_lists_every_route)
{
    const char *src = getenv("FOLIO_SRC");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/specs/http.md", src ? src : ".");
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s (FOLIO_SRC)", path);
    static char text[1 << 18];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    for (size_t r = 0; r < net_http_route_count; r++) {
        char want[256];
        snprintf(want, sizeof want, "`%s %s`", net_http_routes[r].verb, net_http_routes[r].path);
        ck_assert_msg(strstr(text, want) != NULL, "specs/http.md does not list %s", want);
    }
}
END_TEST

/* ---- the head ---- */

static int parse(const char *s, net_http_req *r, net_http_error *e)
{
    memset(e, 0, sizeof *e);
    return net_http_parse((const uint8_t *)s, strlen(s), r, e);
}

START_TEST(test_parse_good)
{
    net_http_req r;
    net_http_error e;
    const char *s = "POST /v1/transactions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: "
                    "application/json; charset=utf-8\r\nContent-Length: 12\r\n\r\n{\"txs\":[]}xx";
    int n = parse(s, &r, &e);
    ck_assert_int_eq(n, (int)(strstr(s, "\r\n\r\n") - s + 4));
    ck_assert_str_eq(r.verb, "POST");
    ck_assert_str_eq(r.path, "/v1/transactions");
    ck_assert_str_eq(r.query, "x=1");
    ck_assert(r.has_length && r.content_length == 12 && r.json_body && r.keep_alive);
    ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &r, &e), 18);
    ck_assert(!r.keep_alive);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r, &e) > 0, 1);
    ck_assert(!r.keep_alive);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\n", &r, &e), 0); /* more to come */
}
END_TEST

START_TEST(test_parse_refusals)
{
    static const struct {
        const char *req;
        int http;
    } cases[] = {
        {"GET / HTTP/2.0\r\n\r\n", 505},
        {"GET /\r\n\r\n", 400},
        {"get / HTTP/1.1\r\n\r\n", 400},
        {"GET x HTTP/1.1\r\n\r\n", 400},
        {"GET /a\x01 HTTP/1.1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n: b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA\x7f: b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nLast-Event-ID: x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nX-Folio-Signature: "
         "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000\r\n\r\n",
         400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        net_http_req r;
        net_http_error e;
        ck_assert_msg(parse(cases[i].req, &r, &e) == -1, "case %zu parsed", i);
        ck_assert_msg(e.http == cases[i].http, "case %zu: %d, not %d (%s)", i, e.http,
                      cases[i].http, e.message);
        ck_assert(e.message[0] && e.code > 0);
    }
}
END_TEST

/* A head that does not end within LDG_HTTP_HEAD_MAX bytes is 431, as are too many lines. */
START_TEST(test_parse_bounds)
{
    net_http_req r;
    net_http_error e;
    size_t n = LDG_HTTP_HEAD_MAX + 10;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    big[n] = '\0';
    ck_assert_int_eq(net_http_parse((const uint8_t *)big, LDG_HTTP_HEAD_MAX - 1, &r, &e), 0);
    ck_assert_int_eq(net_http_parse((const uint8_t *)big, n, &r, &e), -1);
    ck_assert_int_eq(e.http, 431);
    char *many = malloc(16 + 5 * (LDG_HTTP_HEADERS_MAX + 1) + 3);
    strcpy(many, "GET / HTTP/1.1\r\n");
    for (int i = 0; i <= LDG_HTTP_HEADERS_MAX; i++)
        strcat(many, "a:b\r\n");
    strcat(many, "\r\n");
    ck_assert_int_eq(parse(many, &r, &e), -1);
    ck_assert_int_eq(e.http, 431);
    char target[LDG_HTTP_TARGET_MAX + 64];
    memset(target, 'a', sizeof target);
    memcpy(target, "GET /", 5);
    strcpy(target + LDG_HTTP_TARGET_MAX + 6, " HTTP/1.1\r\n\r\n");
    ck_assert_int_eq(parse(target, &r, &e), -1);
    ck_assert_int_eq(e.http, 414);
    free(big);
    free(many);
}
END_TEST

/* ---- building requests ---- */

/* Routes verb+path(?query) with body and returns the request as JSON text of its msgpack,
 * or the refusal's HTTP status as "<status>". */
static char *build(const char *verb, const char *target, const char *body)
{
    static char out[4096];
    char path[LDG_HTTP_TARGET_MAX + 1], query[LDG_HTTP_TARGET_MAX + 1] = "";
    const char *q = strchr(target, '?');
    snprintf(path, sizeof path, "%.*s", (int)(q ? q - target : (long)strlen(target)), target);
    if (q)
        snprintf(query, sizeof query, "%s", q + 1);
    char(*args)[LDG_HTTP_TARGET_MAX + 1] = malloc(NET_HTTP_ARGS_MAX * sizeof *args);
    net_http_error e = {0};
    const net_http_route *rt = net_http_route_find(verb, path, args, &e);
    ldg_enc enc;
    ldg_enc_init(&enc);
    if (!rt || !net_http_build(rt, args, query, (const uint8_t *)(body ? body : ""),
                               body ? strlen(body) : 0, &enc, &e)) {
        snprintf(out, sizeof out, "%d", e.http);
    } else {
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        ck_assert(msgpack_unpack_next(&u, (const char *)ldg_enc_data(&enc), ldg_enc_len(&enc),
                                      NULL) == MSGPACK_UNPACK_SUCCESS);
        msgpack_object_print_buffer(out, sizeof out, u.data);
        msgpack_unpacked_destroy(&u);
    }
    ldg_enc_free(&enc);
    free(args);
    return out;
}

START_TEST(test_build_requests)
{
    ck_assert_str_eq(build("GET", "/v1/status", NULL), "[\"status\"]");
    ck_assert_str_eq(build("GET", "/v1/accounts/alice/balances", NULL), "[\"balance\", \"alice\"]");
    ck_assert_str_eq(build("GET", "/v1/accounts/alice/balances?height=7", NULL),
                     "[\"balance\", \"alice\", nil, 0, 7]");
    ck_assert_str_eq(build("GET", "/v1/accounts/alice/balances?limit=5&after=X%20Y", NULL),
                     "[\"balance\", \"alice\", \"X Y\", 5]");
    ck_assert_str_eq(build("GET", "/v1/blocks/3?limit=2", NULL), "[\"block\", 3, nil, 2]");
    ck_assert_str_eq(build("GET", "/v1/accounts/a/history", NULL),
                     "[\"history\", \"a\", \"\", 0, 0]");
    ck_assert_str_eq(build("GET", "/v1/evidence/head/bob", NULL),
                     "[\"evidence\", \"head\", \"bob\"]");
    ck_assert_str_eq(build("GET", "/v1/investors?kyc_before=-3", NULL),
                     "[\"investors\", -3, \"\", 0]");
    /* Chinese names arrive percent-encoded UTF-8 and reach the method as text. */
    ck_assert_str_eq(build("GET", "/v1/participants/%E4%B8%AD%E6%96%87", NULL),
                     "[\"participant\", \"\xe4\xb8\xad\xe6\x96\x87\"]");
    ck_assert_str_eq(build("POST", "/v1/transactions", "{\"txs\":[\"0a0b\",\"0c\"]}"),
                     "[\"submit\", \"\\x0a\\x0b\", \"\\x0c\"]");
    ck_assert_str_eq(build("POST", "/v1/node/dev_time_advance", "{\"ms\":5}"),
                     "[\"dev_time_advance\", 5]");
}
END_TEST

START_TEST(test_build_refusals)
{
    ck_assert_str_eq(build("GET", "/v1/nothing", NULL), "404");
    ck_assert_str_eq(build("POST", "/v1/status", "{}"), "405");
    ck_assert_str_eq(build("GET", "/v1/assets?bogus=1", NULL), "400");
    ck_assert_str_eq(build("GET", "/v1/blocks/x", NULL), "400");
    ck_assert_str_eq(build("GET", "/v1/blocks/-1", NULL), "400");
    ck_assert_str_eq(build("GET", "/v1/blocks/99999999999999999999", NULL), "400");
    ck_assert_str_eq(build("GET", "/v1/transactions/abc", NULL), "400");
    ck_assert_str_eq(build("GET", "/v1/participants/a%00b", NULL), "400");
    ck_assert_str_eq(build("GET", "/v1/participants/a%4", NULL), "400");
    ck_assert_str_eq(build("GET", "/v1/assets?limit=%zz", NULL), "400");
    ck_assert_str_eq(build("POST", "/v1/transactions", "{\"txs\":"), "400");
    ck_assert_str_eq(build("POST", "/v1/transactions", "[1]"), "400");
    ck_assert_str_eq(build("POST", "/v1/transactions", "{\"txs\":[\"0\"]}"), "400");
    ck_assert_str_eq(build("POST", "/v1/transactions", "{\"txs\":[1]}"), "400");
    ck_assert_str_eq(build("POST", "/v1/transactions", "{\"txs\":[],\"x\":1}"), "400");
    ck_assert_str_eq(build("POST", "/v1/transactions", "{}"), "400");
    ck_assert_str_eq(build("POST", "/v1/transactions", "{\"txs\":[],\"txs\":[]}"), "400");
    ck_assert_str_eq(build("POST", "/v1/node/dev_time_advance", "{\"ms\":-5}"), "400");
}
END_TEST

START_TEST(test_status_mapping)
{
    static const int want[][2] = {
        {LDG_OK, 200},
        {LDG_ERR_NOMEM, 500},
        {LDG_ERR_IO, 500},
        {LDG_ERR_CORRUPT, 500},
        {LDG_ERR_DECODE, 400},
        {LDG_ERR_TOO_LARGE, 413},
        {LDG_ERR_NOT_FOUND, 404},
        {LDG_ERR_EXISTS, 409},
        {LDG_ERR_INVALID, 400},
        {LDG_ERR_CRYPTO, 400},
        {LDG_ERR_STOPPED, 503},
        {LDG_ERR_PROTOCOL, 400},
        {LDG_ERR_TIMEOUT, 504},
        {LDG_ERR_UNAVAILABLE, 503},
        {LDG_ERR_DIVERGED, 500},
        {LDG_ERR_DENIED, 403},
        {LDG_ERR_TEXT, 400},
        {LDG_ERR_PRUNED, 410},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_int_eq(net_http_status_of(want[i][0]), want[i][1]);
    char *b = net_http_error_from_rpc(6, "{\"error\":\"NOT_FOUND\",\"message\":\"no such x\"}");
    ck_assert_str_eq(b, "{\"code\":6,\"name\":\"NOT_FOUND\",\"message\":\"no such x\"}");
    free(b);
}
END_TEST

/* ---- served in-process ---- */

static char dir[PATH_MAX];
static net_node *node;

static void setup(void)
{
    node = tk_node_open(dir, "http", "folio-http");
    node->validator_index = 0;
    node->cfg.http_public_reads = true;
    net_clock_init(&node->clock);
}

static void teardown(void)
{
    net_clock_destroy(&node->clock);
    tk_node_close(node, dir);
}

/* The connection's client certificate as the server sets it (net_http_server.c). */
typedef struct test_cert {
    int state; /* net_http_req.cert */
    const char *role, *cn;
} test_cert;

/* Serves one request over a connection with certificate cert (NULL: none); returns the
 * reply's HTTP status and its body as JSON in *j. */
static int serve_cert(const char *head, const char *body, const test_cert *cert, json_t **j)
{
    net_http_req r;
    net_http_error e;
    ck_assert_int_gt(parse(head, &r, &e), 0);
    if (cert) {
        r.cert = cert->state;
        snprintf(r.cert_role, sizeof r.cert_role, "%s", cert->role);
        snprintf(r.cert_cn, sizeof r.cert_cn, "%s", cert->cn);
    }
    char(*args)[LDG_HTTP_TARGET_MAX + 1] = malloc(NET_HTTP_ARGS_MAX * sizeof *args);
    net_http_reply rep;
    memset(&rep, 0, sizeof rep);
    const net_http_route *rt =
        net_http_serve_special(r.path) ? NULL : net_http_route_find(r.verb, r.path, args, &e);
    if (!rt && !net_http_serve_special(r.path))
        net_http_reply_error(&rep, &e);
    else
        net_http_serve(node, &r, rt, args, (const uint8_t *)(body ? body : ""),
                       body ? strlen(body) : 0, &rep);
    free(args);
    *j = rep.sse ? NULL : json_loadb(rep.body, rep.len, 0, NULL);
    free(rep.body);
    return rep.status;
}

static int serve(const char *head, const char *body, json_t **j)
{
    return serve_cert(head, body, NULL, j);
}

static void assert_error(json_t *j, const char *name)
{
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")), name);
    ck_assert(json_is_integer(json_object_get(j, "code")));
    ck_assert(json_string_length(json_object_get(j, "message")) > 0);
}

START_TEST(test_serve_routes)
{
    json_t *j;
    ck_assert_int_eq(serve("GET /v1/status HTTP/1.1\r\n\r\n", NULL, &j), 200);
    ck_assert_str_eq(json_string_value(json_object_get(j, "chain_id")), "folio-http");
    json_decref(j);
    ck_assert_int_eq(serve("GET /v1/participants/operator HTTP/1.1\r\n\r\n", NULL, &j), 200);
    json_decref(j);
    ck_assert_int_eq(serve("GET /v1/assets/NOPE HTTP/1.1\r\n\r\n", NULL, &j), 404);
    assert_error(j, "NOT_FOUND");
    json_decref(j);
    ck_assert_int_eq(serve("GET /v1/assets?limit=1001 HTTP/1.1\r\n\r\n", NULL, &j), 400);
    assert_error(j, "INVALID");
    json_decref(j);
    /* An operator method over HTTP: refused, and the node keeps running. */
    ck_assert_int_eq(serve("POST /v1/node/stop HTTP/1.1\r\n\r\n", "{}", &j), 403);
    assert_error(j, "DENIED");
    ck_assert(!atomic_load(&node->stopping));
    json_decref(j);
    /* A transaction of another chain: 422 with the refusal at the top. */
    char body[1024];
    snprintf(body, sizeof body, "{\"txs\":[\"%s\"]}", TL_SPEC_WIRE_HEX);
    ck_assert_int_eq(serve("POST /v1/transactions HTTP/1.1\r\n\r\n", body, &j), 422);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "WRONG_CHAIN");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "accepted")), 0);
    json_decref(j);
    ck_assert_int_eq(serve("GET /healthz HTTP/1.1\r\n\r\n", NULL, &j), 200);
    json_decref(j);
    ck_assert_int_eq(serve("GET /version HTTP/1.1\r\n\r\n", NULL, &j), 200);
    ck_assert_str_eq(json_string_value(json_object_get(j, "chain_id")), "folio-http");
    json_decref(j);
    ck_assert_int_eq(serve("POST /healthz HTTP/1.1\r\n\r\n", NULL, &j), 405);
    json_decref(j);
    ck_assert_int_eq(serve("GET /v1/events?bogus=1 HTTP/1.1\r\n\r\n", NULL, &j), 400);
    json_decref(j);
    ck_assert_int_eq(serve("GET /v1/events?account=00 HTTP/1.1\r\n\r\n", NULL, &j), 400);
    json_decref(j);
}
END_TEST

/* /healthz names each failing component (specs/http.md §7). */
START_TEST(test_healthz_failing)
{
    json_t *j;
    atomic_store(&node->behind, true);
    snprintf(node->fatal, sizeof node->fatal, "consensus stopped: test");
    ck_assert_int_eq(serve("GET /healthz HTTP/1.1\r\n\r\n", NULL, &j), 503);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "failing");
    json_t *f = json_object_get(j, "failing");
    ck_assert_int_eq(json_array_size(f), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "component")), "node");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "component")),
                     "consensus");
    json_decref(j);
    atomic_store(&node->behind, false);
    node->fatal[0] = '\0';
    ck_assert_int_eq(serve("GET /healthz HTTP/1.1\r\n\r\n", NULL, &j), 200);
    json_decref(j);
}
END_TEST

/* The credential headers of a request signed by key `index` at time t. */
static void sign_head(char *out, size_t cap, const char *verb, const char *path, uint32_t index,
                      uint64_t t)
{
    ldg_keypair kp;
    tl_key(&kp, index);
    ldg_account acc;
    ldg_account_of(&acc, &kp.pub);
    char acc_hex[41], gh[65], ts[24], sig_hex[129];
    ldg_hex_encode(acc_hex, acc.b, LDG_ACCOUNT_LEN);
    ldg_hex_encode(gh, ldg_chain_genesis_hash(node->chain)->b, LDG_HASH_LEN);
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)t);
    const char *q = strchr(path, '?');
    char p[256];
    snprintf(p, sizeof p, "%.*s", (int)(q ? q - path : (long)strlen(path)), path);
    ldg_hash d;
    net_http_auth_digest(&d, gh, ts, verb, p, q ? q + 1 : "", NULL, 0);
    ldg_sig sig;
    ck_assert_int_eq(ldg_sign_deterministic(&sig, &kp, &d), LDG_OK);
    ldg_hex_encode(sig_hex, sig.b, LDG_SIG_LEN);
    snprintf(out, cap,
             "%s %s HTTP/1.1\r\nX-Folio-Account: %s\r\nX-Folio-Time: %s\r\n"
             "X-Folio-Signature: %s\r\n\r\n",
             verb, path, acc_hex, ts, sig_hex);
}

START_TEST(test_credentials)
{
    json_t *j;
    char head[1024];
    uint64_t now = net_clock_now_ms(&node->clock);
    node->cfg.http_public_reads = false;
    ck_assert_int_eq(serve("GET /v1/status HTTP/1.1\r\n\r\n", NULL, &j), 401);
    assert_error(j, "DENIED");
    json_decref(j);
    sign_head(head, sizeof head, "GET", "/v1/accounts/operator/balances", 1, now);
    ck_assert_int_eq(serve(head, NULL, &j), 200);
    json_decref(j);
    sign_head(head, sizeof head, "GET", "/v1/status", 1, now);
    ck_assert_int_eq(serve(head, NULL, &j), 200);
    json_decref(j);
    /* Another account's view: 403. */
    sign_head(head, sizeof head, "GET", "/v1/accounts/someone/balances", 1, now);
    ck_assert_int_eq(serve(head, NULL, &j), 403);
    json_decref(j);
    /* Signed for another path: the signature does not verify. */
    sign_head(head, sizeof head, "GET", "/v1/status", 1, now);
    char *p = strstr(head, "/v1/status");
    memcpy(p, "/v1/assets", 10);
    ck_assert_int_eq(serve(head, NULL, &j), 401);
    json_decref(j);
    /* Too old, and a key that is no participant. */
    sign_head(head, sizeof head, "GET", "/v1/status", 1, now - LDG_HTTP_AUTH_SKEW_MS - 5000);
    ck_assert_int_eq(serve(head, NULL, &j), 401);
    json_decref(j);
    sign_head(head, sizeof head, "GET", "/v1/status", 7, now);
    ck_assert_int_eq(serve(head, NULL, &j), 401);
    json_decref(j);
    /* Events: only the caller's own account. */
    ck_assert_int_eq(serve("GET /v1/events HTTP/1.1\r\n\r\n", NULL, &j), 401);
    json_decref(j);
    sign_head(head, sizeof head, "GET", "/v1/events?instrument=X", 1, now);
    ck_assert_int_eq(serve(head, NULL, &j), 403);
    json_decref(j);
}
END_TEST

/* A participant's client certificate is a credential as a signed request is (specs/http.md
 * §5): its own views; another's is 403; an unverified, non-participant or unknown one 401. */
START_TEST(test_cert_credentials)
{
    json_t *j;
    ldg_keypair kp;
    ldg_account acc;
    char own[41], stranger[41];
    tl_key(&kp, 1);
    ldg_account_of(&acc, &kp.pub);
    ldg_hex_encode(own, acc.b, LDG_ACCOUNT_LEN);
    tl_key(&kp, 7);
    ldg_account_of(&acc, &kp.pub);
    ldg_hex_encode(stranger, acc.b, LDG_ACCOUNT_LEN);
    const test_cert good = {1, "participant", own};
    node->cfg.http_public_reads = false;
    ck_assert_int_eq(
        serve_cert("GET /v1/accounts/operator/balances HTTP/1.1\r\n\r\n", NULL, &good, &j), 200);
    json_decref(j);
    ck_assert_int_eq(serve_cert("GET /v1/status HTTP/1.1\r\n\r\n", NULL, &good, &j), 200);
    json_decref(j);
    ck_assert_int_eq(
        serve_cert("GET /v1/accounts/someone/balances HTTP/1.1\r\n\r\n", NULL, &good, &j), 403);
    assert_error(j, "DENIED");
    json_decref(j);
    ck_assert_int_eq(serve_cert("GET /v1/events?instrument=X HTTP/1.1\r\n\r\n", NULL, &good, &j),
                     403);
    json_decref(j);
    static const char *const bad_role[] = {"validator", "observer", ""};
    for (size_t i = 0; i < 3; i++) {
        const test_cert c = {1, bad_role[i], own};
        ck_assert_int_eq(serve_cert("GET /v1/status HTTP/1.1\r\n\r\n", NULL, &c, &j), 401);
        assert_error(j, "DENIED");
        json_decref(j);
    }
    const test_cert unknown = {1, "participant", stranger}, not_hex = {1, "participant", "api"};
    ck_assert_int_eq(serve_cert("GET /v1/status HTTP/1.1\r\n\r\n", NULL, &unknown, &j), 401);
    json_decref(j);
    ck_assert_int_eq(serve_cert("GET /v1/status HTTP/1.1\r\n\r\n", NULL, &not_hex, &j), 401);
    json_decref(j);
    /* Presented and not verified (another CA): refused even where reads are public. */
    node->cfg.http_public_reads = true;
    const test_cert unverified = {-1, "", ""};
    ck_assert_int_eq(serve_cert("GET /v1/status HTTP/1.1\r\n\r\n", NULL, &unverified, &j), 401);
    assert_error(j, "DENIED");
    json_decref(j);
}
END_TEST

/* A reply head that does not fit its buffer is an error the server answers (500), never an
 * assert; the error's own head fits LDG_HTTP_REPLY_HEAD_MAX. */
START_TEST(test_reply_head_bounded)
{
    char *extra = malloc(LDG_HTTP_REPLY_HEAD_MAX + 16);
    memcpy(extra, "ETag: \"", 7);
    memset(extra + 7, 'a', LDG_HTTP_REPLY_HEAD_MAX);
    memcpy(extra + 7 + LDG_HTTP_REPLY_HEAD_MAX, "\"\r\n", 4);
    extra[LDG_HTTP_REPLY_HEAD_MAX + 11] = '\0';
    net_http_reply r = {.status = 200, .len = 2, .extra = extra};
    char head[LDG_HTTP_REPLY_HEAD_MAX];
    ck_assert_int_eq(net_http_reply_head(&r, true, head, sizeof head), -1);
    free(extra);
    r.extra = NULL;
    ck_assert_int_gt(net_http_reply_head(&r, true, head, sizeof head), 0);
    /* Every error head (the longest extra line and reason) fits. */
    static const int statuses[] = {405, 431, 500, 503, 505};
    for (size_t i = 0; i < LDG_ARRAY_LEN(statuses); i++) {
        net_http_error e;
        net_http_fail(&e, statuses[i], LDG_ERR_INVALID, "x");
        net_http_reply er;
        memset(&er, 0, sizeof er);
        net_http_reply_error(&er, &e);
        ck_assert_int_gt(net_http_reply_head(&er, false, head, sizeof head), 0);
        free(er.body);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, test_every_method_routed);
    tcase_add_test(tc, test_routes_well_formed);
    tcase_add_test(tc, test_openapi_lists_every_route);
    tcase_add_test(tc, test_spec_lists_every_route);
    tcase_add_test(tc, test_parse_good);
    tcase_add_test(tc, test_parse_refusals);
    tcase_add_test(tc, test_parse_bounds);
    tcase_add_test(tc, test_build_requests);
    tcase_add_test(tc, test_build_refusals);
    tcase_add_test(tc, test_status_mapping);
    tcase_add_test(tc, test_reply_head_bounded);
    suite_add_tcase(s, tc);
    TCase *tn = tcase_create("node");
    tcase_add_checked_fixture(tn, setup, teardown);
    tcase_add_test(tn, test_serve_routes);
    tcase_add_test(tn, test_credentials);
    tcase_add_test(tn, test_cert_credentials);
    tcase_add_test(tn, test_healthz_failing);
    suite_add_tcase(s, tn);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
