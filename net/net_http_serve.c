/* What an HTTP request means (net_http_serve.h; specs/http.md). */
#include "net_http_serve.h"
#include "net_http_static.h"
#include "ldg_block.h"
#include "ldg_err.h"
#include "ldg_hash.h"
#include "ldg_tx.h"
#include "net_metrics.h"
#include "net_node.h"
#include "net_rpc_auth.h"
#include "net_tls.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FOLIO_VERSION
#define FOLIO_VERSION "unknown"
#endif

static const char *const special_paths[] = {"/healthz", "/metrics", "/version", "/v1/openapi.json",
                                            "/v1/events"};

bool net_http_serve_special(const char *path)
{
    if (net_http_static_find(path)) /* the explorer (net_http_static.h) */
        return true;
    for (size_t i = 0; i < LDG_ARRAY_LEN(special_paths); i++)
        if (!strcmp(path, special_paths[i]))
            return true;
    return false;
}

static void set_body(net_http_reply *out, int status, char *body, const char *ctype)
{
    out->status = status;
    out->body = body;
    out->len = strlen(body);
    out->ctype = ctype;
}

void net_http_reply_error(net_http_reply *out, const net_http_error *e)
{
    set_body(out, e->http, net_http_error_body(e->code, e->message), NULL);
    if (e->http == 405)
        out->extra = "Allow: GET, POST\r\n";
    else if (e->http == 503)
        out->extra = "Retry-After: 1\r\n";
}

int net_http_reply_head(const net_http_reply *r, bool keep_alive, char *out, size_t cap)
{
    int n;
    if (r->sse)
        n = snprintf(out, cap,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n");
    else
        n = snprintf(out, cap,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
                     "Connection: %s\r\n%s\r\n",
                     r->status, net_http_reason(r->status),
                     r->ctype ? r->ctype : "application/json", r->len,
                     keep_alive ? "keep-alive" : "close", r->extra ? r->extra : "");
    return n > 0 && (size_t)n < cap ? n : -1;
}

void net_http_count(int status)
{
    net_metrics_http(status);
}

/* ---- operations ---- */

static char *dumps(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        s = net_http_error_body(LDG_ERR_NOMEM, "out of memory");
    return s;
}

/* /healthz: 200, or 503 naming each failing component. */
static void healthz(net_node *n, net_http_reply *out)
{
    json_t *failing = json_array();
    if (n->fatal[0] || atomic_load(&n->stopping))
        json_array_append_new(failing, json_pack("{s:s,s:s}", "component", "node", "reason",
                                                 n->fatal[0] ? n->fatal : "the node is stopping"));
    ldg_state *st = ldg_chain_reader(n->chain);
    ldg_tip tip = ldg_chain_tip(n->chain);
    if (!st)
        json_array_append_new(failing, json_pack("{s:s,s:s}", "component", "store", "reason",
                                                 "the store cannot be read"));
    ldg_state_free(st);
    if (atomic_load(&n->behind))
        json_array_append_new(failing, json_pack("{s:s,s:s}", "component", "consensus", "reason",
                                                 "the node is behind the chain and catching up"));
    uint32_t seen = atomic_load(&n->cons_seen);
    if (n->multi && !n->observer && seen > 0) {
        ldg_pubkey *vals = malloc(LDG_VALIDATORS_MAX * sizeof *vals);
        LDG_ASSERT(vals);
        size_t nv = ldg_chain_validators(n->chain, vals, LDG_VALIDATORS_MAX);
        free(vals);
        if (seen < nv - (nv - 1) / 3)
            json_array_append_new(failing,
                                  json_pack("{s:s,s:s}", "component", "peers", "reason",
                                            "fewer validators heard from than a quorum needs"));
    }
    bool ok = json_array_size(failing) == 0;
    json_t *j = json_pack("{s:s,s:I,s:o}", "status", ok ? "ok" : "failing", "height",
                          (json_int_t)tip.height, "failing", failing);
    set_body(out, ok ? 200 : 503, dumps(j), NULL);
}

static void version(net_node *n, net_http_reply *out)
{
    char gh[2 * LDG_HASH_LEN + 1];
    ldg_hex_encode(gh, ldg_chain_genesis_hash(n->chain)->b, LDG_HASH_LEN);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:{s:i,s:i}}", "version", FOLIO_VERSION, "api", "v1",
                          "chain_id", ldg_chain_id(n->chain), "genesis_hash", gh, "protocol",
                          "transaction", LDG_TX_VERSION, "block", LDG_BLOCK_VERSION);
    set_body(out, 200, dumps(j), NULL);
}

/* ---- the event stream ---- */

static bool hex40(const char *s)
{
    if (strlen(s) != 40)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* Reads account=, instrument= (each repeatable) and from_height= from the query. */
static bool sub_parse(const char *query, net_http_sub *s, uint64_t *from, bool *has_from,
                      net_http_error *e)
{
    for (const char *p = query; *p;) {
        size_t pl = strcspn(p, "&"), kl = strcspn(p, "=&");
        char v[LDG_HTTP_TARGET_MAX + 1];
        const char *val = kl < pl ? p + kl + 1 : p + pl;
        if (!net_http_unescape(val, (size_t)(p + pl - val), v, sizeof v, true))
            return net_http_fail(e, 400, LDG_ERR_PROTOCOL, "a query value holds a bad %%-escape");
        if (kl == 7 && !memcmp(p, "account", 7)) {
            if (!hex40(v) || s->naccounts == LDG_HTTP_SSE_FILTERS_MAX)
                return net_http_fail(e, 400, LDG_ERR_INVALID,
                                     "account must be 40 lower-case hex digits, at most %d of them",
                                     LDG_HTTP_SSE_FILTERS_MAX);
            memcpy(s->accounts[s->naccounts++], v, 41);
        } else if (kl == 10 && !memcmp(p, "instrument", 10)) {
            if (!*v || strlen(v) > 12 || s->ninstruments == LDG_HTTP_SSE_FILTERS_MAX)
                return net_http_fail(e, 400, LDG_ERR_INVALID,
                                     "instrument must be an id of 1..12 bytes, at most %d of them",
                                     LDG_HTTP_SSE_FILTERS_MAX);
            memcpy(s->instruments[s->ninstruments++], v, strlen(v) + 1);
        } else if (kl == 11 && !memcmp(p, "from_height", 11)) {
            char *end;
            *from = strtoull(v, &end, 10);
            if (!*v || *end || *v == '-')
                return net_http_fail(e, 400, LDG_ERR_INVALID, "from_height must be a height");
            *has_from = true;
        } else {
            return net_http_fail(e, 400, LDG_ERR_INVALID,
                                 "/v1/events takes account, instrument and from_height");
        }
        p += pl + (p[pl] == '&');
    }
    return true;
}

static int authenticate(net_node *n, const net_http_req *req, const uint8_t *body, size_t body_len,
                        ldg_participant *who, net_http_error *e);

/* With public reads off, a regulator (supervision) and a registrar (it keeps the register of
 * every holder) read every account's views and follow any stream; every other participant
 * (a broker, an investor, ...) only its own (specs/http.md §5). */
static bool sees_every_account(const ldg_participant *p)
{
    return (p->roles & (LDG_ROLE_REGULATOR | LDG_ROLE_REGISTRAR)) != 0;
}

/* With public reads off, a stream needs a credential and filters on the caller's own
 * account only (an instrument's receipts would show other holders' movements). */
static bool events_allowed(net_node *n, const net_http_req *req, const net_http_sub *s,
                           net_http_error *e)
{
    ldg_participant who;
    int a = authenticate(n, req, NULL, 0, &who, e);
    if (a < 0)
        return false;
    if (n->cfg.http_public_reads)
        return true;
    if (!a)
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "this node serves events to participants only: sign the request or "
                             "present a participant certificate (specs/http.md §5)");
    if (sees_every_account(&who))
        return true;
    char hex[2 * LDG_ACCOUNT_LEN + 1];
    ldg_hex_encode(hex, who.account.b, LDG_ACCOUNT_LEN);
    bool own = s->ninstruments == 0;
    for (int i = 0; i < s->naccounts; i++)
        own = own && !strcmp(s->accounts[i], hex);
    return own || net_http_fail(e, 403, LDG_ERR_DENIED,
                                "a participant may follow only its own account's receipts here");
}

static void events(net_node *n, const net_http_req *req, net_http_reply *out)
{
    net_http_error e;
    uint64_t from = 0;
    bool has_from = false;
    memset(&out->sub, 0, sizeof out->sub);
    if (!sub_parse(req->query, &out->sub, &from, &has_from, &e) ||
        !events_allowed(n, req, &out->sub, &e))
        return net_http_reply_error(out, &e);
    uint64_t tip = ldg_chain_tip(n->chain).height;
    if (req->has_last_event_id) {
        from = req->last_event_id + 1;
        has_from = true;
    }
    if (!has_from || from > tip + 1)
        from = tip + 1;
    if (tip + 1 - from > LDG_HTTP_SSE_REPLAY_MAX) {
        net_http_fail(&e, 410, LDG_ERR_PRUNED,
                      "the stream replays at most %d blocks; read older ones over /v1/blocks",
                      LDG_HTTP_SSE_REPLAY_MAX);
        return net_http_reply_error(out, &e);
    }
    if (from == 0)
        from = 1;
    out->sub.next_height = from;
    out->sse = true;
    out->status = 200;
    out->body = strdup(": folio events\n\n");
    LDG_ASSERT(out->body);
    out->len = strlen(out->body);
}

void net_http_sub_free(net_http_sub *s)
{
    (void)s; /* nothing allocated today; kept so that filters may grow */
}

static json_t *dispatch_json(net_node *n, ldg_enc *req, int *status)
{
    char *s = net_rpc_dispatch(n, NET_RPC_PUBLIC, ldg_enc_data(req), ldg_enc_len(req), status);
    json_t *j = *status == 0 ? json_loads(s, 0, NULL) : NULL;
    free(s);
    return j;
}

bool net_http_events_load(net_node *n, uint64_t height, net_http_block_events *out)
{
    memset(out, 0, sizeof *out);
    out->height = height;
    out->txs = json_array();
    json_int_t after = -1;
    for (;;) {
        ldg_enc req;
        ldg_enc_init(&req);
        ldg_enc_array(&req, 4);
        ldg_enc_str(&req, "block");
        ldg_enc_u64(&req, height);
        if (after < 0)
            ldg_enc_nil(&req);
        else
            ldg_enc_u64(&req, (uint64_t)after);
        ldg_enc_u64(&req, 0);
        int status;
        json_t *b = dispatch_json(n, &req, &status);
        ldg_enc_free(&req);
        if (!b)
            return false;
        json_array_extend(out->txs, json_object_get(b, "txs"));
        json_t *next = json_object_get(b, "next");
        json_object_del(b, "txs");
        json_object_del(b, "next");
        json_object_del(b, "tx_from");
        json_decref(out->block);
        out->block = b;
        if (!json_is_integer(next))
            return true;
        after = json_integer_value(next);
    }
}

void net_http_events_free(net_http_block_events *ev)
{
    json_decref(ev->block);
    json_decref(ev->txs);
    ev->block = ev->txs = NULL;
}

/* True if some string inside v equals one of the n texts (payload members are accounts as
 * hex and instrument ids as text). */
static bool mentions(json_t *v, char (*texts)[41], int n, size_t stride)
{
    if (json_is_string(v)) {
        for (int i = 0; i < n; i++)
            if (!strcmp(json_string_value(v), (const char *)texts + (size_t)i * stride))
                return true;
        return false;
    }
    size_t i;
    json_t *it;
    if (json_is_array(v))
        json_array_foreach(v, i, it) if (mentions(it, texts, n, stride)) return true;
    return false;
}

static bool tx_matches(const net_http_sub *s, json_t *tx)
{
    json_t *payload = json_object_get(tx, "payload");
    const char *sender =
        json_string_value(json_object_get(json_object_get(tx, "sender"), "account"));
    for (int i = 0; i < s->naccounts; i++)
        if (sender && !strcmp(sender, s->accounts[i]))
            return true;
    return mentions(payload, (char(*)[41])s->accounts, s->naccounts, 41) ||
           mentions(payload, (char(*)[41])s->instruments, s->ninstruments, 13);
}

static void emit(net_http_sink sink, const char *event, uint64_t id, json_t *data)
{
    char *s = json_dumps(data, JSON_COMPACT);
    if (!s)
        return;
    char head[96];
    int hl = id ? snprintf(head, sizeof head, "event: %s\nid: %llu\ndata: ", event,
                           (unsigned long long)id)
                : snprintf(head, sizeof head, "event: %s\ndata: ", event);
    sink.append(sink.arg, head, (size_t)hl);
    sink.append(sink.arg, s, strlen(s)); /* compact JSON holds no newline */
    sink.append(sink.arg, "\n\n", 2);
    free(s);
}

void net_http_sub_render(const net_http_sub *s, const net_http_block_events *ev, net_http_sink sink)
{
    if (s->naccounts || s->ninstruments) {
        size_t i;
        json_t *tx;
        json_array_foreach(ev->txs, i, tx)
        {
            if (!tx_matches(s, tx))
                continue;
            json_t *r =
                json_pack("{s:I,s:I,s:O,s:O,s:O,s:O}", "height", (json_int_t)ev->height, "index",
                          (json_int_t)i, "id", json_object_get(tx, "id"), "type_name",
                          json_object_get(tx, "type_name"), "sender", json_object_get(tx, "sender"),
                          "receipt", json_object_get(tx, "receipt"));
            if (r)
                emit(sink, "receipt", 0, r);
            json_decref(r);
        }
    }
    /* The block last, with the id: a client resuming from Last-Event-ID has every event of
     * that height. */
    emit(sink, "block", ev->height, ev->block);
}

/* ---- participant credentials (specs/http.md §5) ---- */

static bool hex_bytes(const char *s, uint8_t *out, size_t n)
{
    return strlen(s) == 2 * n && ldg_hex_decode(out, n, s) == 0;
}

/* The hash a credential signs: SHA-256 of "folio-http-v1\n" genesis-hex "\n" time "\n" verb
 * "\n" target "\n" hex(SHA-256(body)). */
void net_http_auth_digest(ldg_hash *out, const char *genesis_hex, const char *time,
                          const char *verb, const char *path, const char *query,
                          const uint8_t *body, size_t body_len)
{
    ldg_hash bh;
    ldg_sha256(&bh, body_len ? body : (const uint8_t *)"", body_len);
    char bhex[2 * LDG_HASH_LEN + 1];
    ldg_hex_encode(bhex, bh.b, LDG_HASH_LEN);
    size_t cap = 2 * LDG_HTTP_TARGET_MAX + 256;
    char *m = malloc(cap);
    LDG_ASSERT(m);
    int n = snprintf(m, cap, "folio-http-v1\n%s\n%s\n%s\n%s%s%s\n%s", genesis_hex, time, verb, path,
                     *query ? "?" : "", query, bhex);
    LDG_ASSERT(n > 0 && (size_t)n < cap);
    ldg_sha256(out, m, (size_t)n);
    free(m);
}

static bool participant_find(net_node *n, const ldg_account *acc, ldg_participant *who)
{
    ldg_state *st = ldg_chain_reader(n->chain);
    bool found = false;
    ldg_err err = ldg_participant_get(st, acc, who, &found);
    ldg_state_free(st);
    return err == LDG_OK && found;
}

/* A TLS client certificate verified against [tls] ca: OU participant, CN the participant's
 * account (specs/http.md §5). 1 (*who set) or -1 (*e set). */
static int cert_credential(net_node *n, const net_http_req *req, ldg_participant *who,
                           net_http_error *e)
{
    ldg_account acc;
    if (strcmp(req->cert_role, NET_TLS_ROLE_PARTICIPANT) != 0)
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "the client certificate is not a participant's (its OU is '%s', "
                             "not '" NET_TLS_ROLE_PARTICIPANT "')",
                             req->cert_role),
               -1;
    if (strlen(req->cert_cn) != 2 * LDG_ACCOUNT_LEN || ldg_account_parse(&acc, req->cert_cn) != 0)
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "the client certificate's CN is not an account (40 hex)"),
               -1;
    if (!participant_find(n, &acc, who))
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "the client certificate's account is not a participant"),
               -1;
    char revoked[NET_PATH_MAX];
    net_home_path(revoked, n->home, "tls/revoked");
    if (net_tls_revoked(revoked, req->cert_fp))
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "the client certificate is revoked (HOME/tls/revoked)"),
               -1;
    return 1;
}

/* 0: no credential; 1: a valid one (*who set); -1: a bad one (*e set). A client
 * certificate that does not verify is refused whatever else the request carries; signed
 * headers, when present, decide over a certificate. */
static int authenticate(net_node *n, const net_http_req *req, const uint8_t *body, size_t body_len,
                        ldg_participant *who, net_http_error *e)
{
    if (req->cert < 0)
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "the client certificate does not verify against this node's "
                             "participant CA ([tls] ca)"),
               -1;
    if (!req->auth_account[0] && !req->auth_time[0] && !req->auth_sig[0])
        return req->cert > 0 ? cert_credential(n, req, who, e) : 0;
    ldg_account acc;
    ldg_sig sig;
    char *end;
    unsigned long long t = strtoull(req->auth_time, &end, 10);
    if (ldg_account_parse(&acc, req->auth_account) != 0 || !req->auth_time[0] || *end ||
        !hex_bytes(req->auth_sig, sig.b, LDG_SIG_LEN))
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "a credential is X-Folio-Account (40 hex), X-Folio-Time (ms) and "
                             "X-Folio-Signature (128 hex)"),
               -1;
    char gh[2 * LDG_HASH_LEN + 1], why[256];
    ldg_hex_encode(gh, ldg_chain_genesis_hash(n->chain)->b, LDG_HASH_LEN);
    ldg_hash d;
    net_http_auth_digest(&d, gh, req->auth_time, req->verb, req->path, req->query, body, body_len);
    if (!net_rpc_credential(n, &acc, t, &sig, &d, who, why, sizeof why)) /* as the SP socket */
        return net_http_fail(e, 401, LDG_ERR_DENIED, "%s", why), -1;
    return 1;
}

/* A view of one account (/v1/accounts/{who}/..., /v1/investors/{who}): with public reads
 * off, only that participant's own. The directory (/v1/participants) stays readable. */
static bool own_view(const net_http_route *rt, char (*path_args)[LDG_HTTP_TARGET_MAX + 1],
                     const ldg_participant *p)
{
    if (strncmp(rt->path, "/v1/accounts/", 13) != 0 && strncmp(rt->path, "/v1/investors/", 14) != 0)
        return true;
    int idx = 0;
    for (const char *s = strchr(rt->path, '{'); s; s = strchr(s + 1, '{'), idx++) {
        if (strncmp(s, "{who}", 5) != 0)
            continue;
        char hex[2 * LDG_ACCOUNT_LEN + 1];
        ldg_hex_encode(hex, p->account.b, LDG_ACCOUNT_LEN);
        return !strcmp(path_args[idx], hex) || !strcmp(path_args[idx], p->name);
    }
    return true;
}

/* Who the caller is for the method table, or -1 with *e set (specs/http.md §5). */
static int caller_level(net_node *n, const net_http_req *req, const net_http_route *rt,
                        char (*path_args)[LDG_HTTP_TARGET_MAX + 1], const uint8_t *body,
                        size_t body_len, net_http_error *e)
{
    ldg_participant who;
    int a = authenticate(n, req, body, body_len, &who, e);
    if (a < 0)
        return -1;
    bool signed_tx = !strcmp(rt->method, "submit") || !strcmp(rt->method, "check");
    if (n->cfg.http_public_reads || signed_tx)
        return a ? (int)net_rpc_level_of(&who) : NET_RPC_PUBLIC;
    if (!a)
        return net_http_fail(e, 401, LDG_ERR_DENIED,
                             "this node serves reads to participants only: sign the request or "
                             "present a participant certificate (specs/http.md §5)"),
               -1;
    if (!sees_every_account(&who) && !own_view(rt, path_args, &who))
        return net_http_fail(e, 403, LDG_ERR_DENIED,
                             "a participant may read only its own account's views here (a "
                             "regulator or registrar reads every account's)"),
               -1;
    return (int)net_rpc_level_of(&who);
}

/* ---- the method table ---- */

/* A submit reply: 202 when every transaction was admitted, 422 when one was refused, with
 * the first refusal's code, name and message at the top beside the RPC's reply. */
static void submit_reply(net_http_reply *out, char *json)
{
    json_t *j = json_loads(json, 0, NULL);
    json_t *rej = json_object_get(j, "rejected");
    if (!j || json_array_size(rej) == 0) {
        json_decref(j);
        return set_body(out, 202, json, NULL);
    }
    json_t *first = json_array_get(rej, 0);
    json_object_set(j, "code", json_object_get(first, "code"));
    json_object_set(j, "name", json_object_get(first, "name"));
    json_object_set(j, "message", json_object_get(first, "message"));
    free(json);
    set_body(out, 422, dumps(j), NULL);
}

static void serve_route(net_node *n, const net_http_req *req, const net_http_route *rt,
                        char (*path_args)[LDG_HTTP_TARGET_MAX + 1], const uint8_t *body,
                        size_t body_len, net_http_reply *out)
{
    net_http_error e;
    int level = caller_level(n, req, rt, path_args, body, body_len, &e);
    if (level < 0)
        return net_http_reply_error(out, &e);
    ldg_enc rpc;
    ldg_enc_init(&rpc);
    if (!net_http_build(rt, path_args, req->query, body, body_len, &rpc, &e)) {
        ldg_enc_free(&rpc);
        return net_http_reply_error(out, &e);
    }
    int status;
    char *json =
        net_rpc_dispatch(n, (net_rpc_access)level, ldg_enc_data(&rpc), ldg_enc_len(&rpc), &status);
    ldg_enc_free(&rpc);
    if (status != 0) {
        char *b = net_http_error_from_rpc(status, json);
        free(json);
        return set_body(out, net_http_status_of(status), b, NULL);
    }
    if (!strcmp(rt->method, "submit"))
        return submit_reply(out, json);
    set_body(out, 200, json, NULL);
}

void net_http_serve(net_node *n, const net_http_req *req, const net_http_route *rt,
                    char (*path_args)[LDG_HTTP_TARGET_MAX + 1], const uint8_t *body,
                    size_t body_len, net_http_reply *out)
{
    memset(out, 0, sizeof *out);
    if (rt)
        return serve_route(n, req, rt, path_args, body, body_len, out);
    net_http_error e;
    if (strcmp(req->verb, "GET") != 0) {
        net_http_fail(&e, 405, LDG_ERR_PROTOCOL, "%s is not allowed on this path", req->verb);
        return net_http_reply_error(out, &e);
    }
    if (!strcmp(req->path, "/healthz"))
        return healthz(n, out);
    if (!strcmp(req->path, "/version"))
        return version(n, out);
    if (!strcmp(req->path, "/metrics"))
        return set_body(out, 200, net_metrics_text(n), "text/plain; version=0.0.4; charset=utf-8");
    if (!strcmp(req->path, "/v1/openapi.json"))
        return set_body(out, 200, net_http_openapi(), NULL);
    const net_http_static_file *f = net_http_static_find(req->path);
    if (f)
        return net_http_static_reply(f, out);
    events(n, req, out);
}
