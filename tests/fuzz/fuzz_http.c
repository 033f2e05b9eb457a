/* libFuzzer target for the HTTP API's request entry (net/net_http.c): the head parser, the
 * router and the mapping of path, query and JSON body onto the msgpack request of a method
 * of the RPC table, as the server's reader and workers call them. The input is the bytes a
 * client sends: a head, then what follows it is the body.
 *
 * Properties checked on every input:
 * - the parser returns 0 (more bytes), -1 with an error status 4xx/5xx, an ldg_err code and a
 *   sentence, or the head's length within the input;
 * - a refused route or request is a 4xx with a sentence; an accepted one is a request the
 *   RPC decoder takes whole: one canonical msgpack array whose first element is the route's
 *   method (or TEXT, when a client's string is not UTF-8, which the dispatch refuses);
 * - the error body built for any refusal is JSON;
 * - nothing leaks or reads out of bounds (ASan). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_err.h"
#include "net_http.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_error(const net_http_error *e)
{
    CHECK(e->http >= 400 && e->http < 600 && e->code > 0 && e->message[0]);
    char *body = net_http_error_body(e->code, e->message);
    json_t *j = json_loads(body, 0, NULL);
    CHECK(j != NULL);
    json_decref(j);
    free(body);
}

static void check_request(const net_http_route *rt, const ldg_enc *enc)
{
    ldg_dec d;
    ldg_err err = ldg_decode(&d, ldg_enc_data(enc), ldg_enc_len(enc));
    if (err == LDG_ERR_TEXT)
        return;
    CHECK(err == LDG_OK);
    const msgpack_object *items;
    uint32_t count;
    char name[32];
    CHECK(ldg_obj_array_any(d.root, 4096, &items, &count) && count >= 1 &&
          ldg_obj_str(&items[0], name, sizeof name - 1, false) && !strcmp(name, rt->method));
    ldg_dec_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    net_http_req *r = malloc(sizeof *r);
    net_http_error e = {0};
    int hl = net_http_parse(data, size, r, &e);
    if (hl < 0)
        check_error(&e);
    CHECK(hl <= (int)size && (hl <= 0 || hl <= LDG_HTTP_HEAD_MAX));
    if (hl <= 0) {
        free(r);
        return 0;
    }
    char(*args)[LDG_HTTP_TARGET_MAX + 1] = malloc(NET_HTTP_ARGS_MAX * sizeof *args);
    const net_http_route *rt = net_http_route_find(r->verb, r->path, args, &e);
    if (!rt) {
        check_error(&e);
    } else {
        ldg_enc enc;
        ldg_enc_init(&enc);
        if (net_http_build(rt, args, r->query, data + hl, size - (size_t)hl, &enc, &e))
            check_request(rt, &enc);
        else
            check_error(&e);
        ldg_enc_free(&enc);
    }
    free(args);
    free(r);
    return 0;
}

/* Seeds: a GET of each shape and a submission. */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    static const char *const seeds[] = {
        "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /v1/accounts/broker/balances?after=X&limit=5&height=3 HTTP/1.1\r\n\r\n",
        "GET /v1/blocks/7?after=2&limit=1 HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /v1/participants/%E4%B8%AD%E6%96%87 HTTP/1.0\r\n\r\n",
        "GET /v1/investors?kyc_before=-3&category=ordinary&risk_class=2 HTTP/1.1\r\n\r\n",
        "POST /v1/transactions HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
        "20\r\n\r\n{\"txs\":[\"0a0b0c\"]}",
        "POST /v1/contracts/00/query HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
        "{\"from\":\"00\",\"input\":\"\",\"gas\":1}",
        "GET /v1/events?account=0000000000000000000000000000000000000000 HTTP/1.1\r\n"
        "Last-Event-ID: 4\r\nX-Folio-Account: 00\r\nX-Folio-Time: 1\r\n\r\n",
    };
    if (index >= sizeof seeds / sizeof seeds[0])
        return 0;
    size_t n = strlen(seeds[index]);
    if (n > cap)
        return 0;
    memcpy(out, seeds[index], n);
    return n;
}
