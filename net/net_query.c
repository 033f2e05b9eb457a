/* The client RPC methods (specs/rpc.md): admission of transactions and read-only queries
 * over the committed state. Every reply is JSON; the CLI prints it as is (--json) or as a
 * table. */
#include "ast_asset.h"
#include "ast_rules.h"
#include "net_node.h"
#include "net_query_assets.h"
#include "net_query_evidence.h"
#include "net_query_gov.h"
#include "net_query_proof.h"
#include "net_query_chains.h"
#include "net_query_views.h"
#include "net_query_settlement.h"
#include "net_query_vm.h"
#include "net_rpc_methods.h"

#include "net_reply.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Never NULL, whatever the message echoes (net_reply.h). */
#define error_json net_reply_error

static char *dump(json_t *j, int *status)
{
    return net_reply_dump(j, JSON_COMPACT, status);
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char buf[2 * 256 + 1];
    LDG_ASSERT(n <= 256);
    ldg_hex_encode(buf, b, n);
    return json_string(buf);
}

static json_t *account_json(const ldg_account *a)
{
    return hex_json(a->b, LDG_ACCOUNT_LEN);
}

static void name_of(ldg_state *st, const ldg_account *a, char *out, size_t len)
{
    ldg_participant p;
    bool found = false;
    out[0] = '\0';
    if (ldg_participant_get(st, a, &p, &found) == LDG_OK && found)
        snprintf(out, len, "%s", p.name);
}

/* A party (specs/rpc.md §2.2): {"account": hex, "name": participant name, "" if none}. */
static json_t *party_json(ldg_state *st, const ldg_account *a)
{
    char name[LDG_NAME_LEN_MAX + 1];
    name_of(st, a, name, sizeof name);
    return json_pack("{s:o,s:o}", "account", account_json(a), "name",
                     net_json_text(name, strlen(name)));
}

/* Role names as an array, in bit order (specs/rpc.md §2.2). */
static json_t *roles_json(uint32_t roles)
{
    char list[256];
    ldg_roles_format(roles, list, sizeof list);
    json_t *arr = json_array();
    for (char *save = NULL, *r = strtok_r(list, ",", &save); r; r = strtok_r(NULL, ",", &save))
        json_array_append_new(arr, json_string(r));
    return arr;
}

/* ---- admission ---- */

/* A client's transaction: the node's one admission path (net_admit.h), then the pool (one
 * copy of the bytes; own: a multi-validator node broadcasts it in a batch). */
static ldg_result admit(net_node *n, ldg_state *reader, const uint8_t *wire, size_t len,
                        ldg_hash *id)
{
    net_admitted ad;
    ldg_result r = net_admit_tx(n->admit, reader, wire, len, NET_ADMIT_CLIENT, &ad);
    *id = ad.ref.id;
    if (r != LDG_R_OK)
        return r;
    return net_pool_add(n->pool, id, wire, len, ad.expiry_ms, n->multi);
}

uint32_t net_admit_forwarded(net_node *n, const uint8_t *const *txs, const size_t *lens,
                             uint32_t count)
{
    ldg_state *reader = ldg_chain_reader(n->chain);
    uint32_t refused = 0;
    for (uint32_t i = 0; i < count; i++) {
        ldg_hash id;
        refused += admit(n, reader, txs[i], lens[i], &id) != LDG_R_OK;
    }
    ldg_state_free(reader);
    return refused;
}

static json_t *result_json(ldg_result code)
{
    return json_pack("{s:i,s:s,s:s}", "code", (int)code, "name", ldg_result_name(code), "message",
                     ldg_result_text(code));
}

/* Replies {"submitted": n, "accepted": k, "rejected": [{index, id, code, name, message}]}:
 * only refusals are itemised, so a large accepted batch costs no JSON per transaction. */
static char *m_submit(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    if (nargs > LDG_RPC_BATCH_TX_MAX)
        return error_json(status, LDG_ERR_TOO_LARGE, "at most %d transactions per submission",
                          LDG_RPC_BATCH_TX_MAX);
    ldg_state *reader = ldg_chain_reader(n->chain);
    json_t *rejected = json_array();
    int accepted = 0;
    for (uint32_t i = 0; i < nargs; i++) {
        ldg_hash id;
        ldg_result r;
        if (args[i].type != MSGPACK_OBJECT_BIN) {
            r = LDG_R_MALFORMED;
            memset(&id, 0, sizeof id);
        } else {
            r = admit(n, reader, (const uint8_t *)args[i].via.bin.ptr, args[i].via.bin.size, &id);
        }
        if (r == LDG_R_OK) {
            accepted++;
            continue;
        }
        json_t *o = result_json(r);
        json_object_set_new(o, "index", json_integer(i));
        json_object_set_new(o, "id", hex_json(id.b, LDG_HASH_LEN));
        json_array_append_new(rejected, o);
    }
    ldg_state_free(reader);
    return dump(json_pack("{s:i,s:i,s:o}", "submitted", (int)nargs, "accepted", accepted,
                          "rejected", rejected),
                status);
}

/* [tx_wire]: the receipt the transaction would get in the next block, without pooling it
 * (specs/rpc.md "check"). The one admission path first, then the executor on a throw-away
 * overlay over the committed state: nothing is written. */
static json_t *receipt_json(const ldg_receipt *r);

static json_t *check_reply(net_node *n, ldg_state *st, const char *stage, ldg_result code,
                           const ldg_tx *tx, const ldg_receipt *rc, uint64_t height)
{
    json_t *j = rc ? receipt_json(rc) : result_json(code);
    json_object_set_new(j, "allowed", json_boolean(code == LDG_R_OK));
    json_object_set_new(j, "stage", json_string(stage));
    json_object_set_new(j, "height", json_integer((json_int_t)height));
    const ldg_tx_type *t = tx ? ldg_registry_find(n->reg, tx->type) : NULL;
    if (t) {
        json_object_set_new(j, "type_name", json_string(t->name));
        json_object_set_new(j, "roles", roles_json(t->roles_any));
    }
    if (tx) {
        ldg_account a;
        ldg_account_of(&a, &tx->sender);
        json_object_set_new(j, "sender", party_json(st, &a));
    }
    return j;
}

static char *m_check(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    if (nargs != 1 || args[0].type != MSGPACK_OBJECT_BIN)
        return error_json(status, LDG_ERR_INVALID, "check takes one transaction's wire bytes");
    const uint8_t *wire = (const uint8_t *)args[0].via.bin.ptr;
    size_t len = args[0].via.bin.size;
    ldg_tx tx;
    ldg_result r = ldg_tx_decode(&tx, wire, len);
    ldg_tip tip = ldg_chain_tip(n->chain);
    if (r != LDG_R_OK)
        return dump(check_reply(n, NULL, "admission", r, NULL, NULL, tip.height + 1), status);
    ldg_state *st = ldg_chain_reader(n->chain);
    net_admitted ad;
    r = net_admit_probe(n->admit, st, wire, len, &ad);
    json_t *j = NULL;
    if (r != LDG_R_OK) {
        j = check_reply(n, st, "admission", r, &tx, NULL, tip.height + 1);
    } else {
        ldg_env env = {.chain_id = ldg_chain_id(n->chain),
                       .height = tip.height + 1,
                       .time_ms = net_admit_now(n->admit),
                       .dev_mode = n->dev};
        /* The block hooks are not run: they keep per-process buffers and run on the
         * chain's thread only (ast_action.c). The answer is as of the committed state. */
        ldg_receipt rc;
        if (ldg_exec_tx(n->reg, st, &env, &tx, 0, &rc) == LDG_OK)
            j = check_reply(n, st, "execution", rc.code, &tx, &rc, env.height);
    }
    ldg_state_free(st);
    ldg_tx_free(&tx);
    if (!j)
        return error_json(status, LDG_ERR_IO, "cannot read the state");
    return dump(j, status);
}

/* ---- status, blocks, transactions ---- */

static char *m_status(net_node *n, int *status)
{
    ldg_tip tip = ldg_chain_tip(n->chain);
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    uint32_t nv = ldg_chain_validators(n->chain, vals, LDG_VALIDATORS_MAX);
    json_t *j = json_pack(
        "{s:s,s:I,s:I,s:o,s:o,s:I,s:i,s:b,s:I,s:i,s:I}", "chain_id", ldg_chain_id(n->chain),
        "height", (json_int_t)tip.height, "time_ms", (json_int_t)tip.time_ms, "last_block_hash",
        hex_json(tip.hash.b, LDG_HASH_LEN), "state_root", hex_json(tip.state_root.b, LDG_HASH_LEN),
        "mempool", (json_int_t)net_pool_size(n->pool), "validators", (int)nv, "dev", n->dev,
        "last_commit_ms", (json_int_t)atomic_load(&n->last_commit_ms), "validator_index",
        n->validator_index, "time_offset_ms", (json_int_t)atomic_load(&n->time_offset_ms));
    if (!j)
        return dump(j, status);
    /* the ledger date: the UTC day of the tip's block time, what record and pay dates,
     * coupons and maturities are compared with */
    net_json_time(j, "time", tip.time_ms);
    char date[11];
    json_object_set_new(j, "ledger_date",
                        net_utc_date(date, tip.time_ms) ? json_string(date) : json_null());
    json_object_set_new(j, "tx_total", json_integer((json_int_t)tip.tx_total));
    json_object_set_new(j, "genesis_hash",
                        hex_json(ldg_chain_genesis_hash(n->chain)->b, LDG_HASH_LEN));
    if (n->multi) {
        uint64_t peer = atomic_load(&n->peer_height);
        json_object_set_new(j, "consensus",
                            json_pack("{s:s,s:I,s:i,s:i,s:I,s:b,s:I}", "role",
                                      n->observer ? "observer" : "validator", "round",
                                      (json_int_t)atomic_load(&n->cons_round), "validators_seen",
                                      (int)atomic_load(&n->cons_seen), "last_proposer",
                                      (int)atomic_load(&n->cons_last_proposer), "peer_height",
                                      (json_int_t)(peer > tip.height ? peer : tip.height), "behind",
                                      (int)atomic_load(&n->behind), "pool",
                                      (json_int_t)atomic_load(&n->pool_size)));
        json_t *heard = json_array();
        uint64_t mask = atomic_load(&n->cons_heard_mask);
        for (int i = 0; i < 64; i++)
            if (mask >> i & 1)
                json_array_append_new(heard, json_integer(i));
        json_object_set_new(json_object_get(j, "consensus"), "validators_heard", heard);
        json_object_set_new(json_object_get(j, "consensus"), "executed_while_voting",
                            json_integer((json_int_t)atomic_load(&n->exec_ahead)));
        json_object_set_new(json_object_get(j, "consensus"), "executed_after_decision",
                            json_integer((json_int_t)atomic_load(&n->exec_after)));
    }
    (void)status;
    return dump(j, status);
}

/* Payload as JSON: integers, strings, binaries as hex, arrays. */
static json_t *msgpack_json(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return o->via.u64 <= INT64_MAX ? json_integer((json_int_t)o->via.u64)
                                       : json_sprintf("%llu", (unsigned long long)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer(o->via.i64);
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_STR:
        return net_json_text(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_BIN:
        if (o->via.bin.size <= 256)
            return hex_json((const uint8_t *)o->via.bin.ptr, o->via.bin.size);
        return json_sprintf("<%u bytes>", o->via.bin.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; i < o->via.array.size; i++)
            json_array_append_new(a, msgpack_json(&o->via.array.ptr[i]));
        return a;
    }
    default:
        return json_null();
    }
}

/* The most bytes o's JSON can take (msgpack_json: strings with every byte escaped, binaries
 * over 256 bytes as a short note), or a number over budget as soon as it exceeds it: the
 * count stops early, so a payload of 65,000 empty arrays costs budget/3 steps, not 65,000. */
static size_t json_cost(const msgpack_object *o, size_t budget)
{
    switch (o->type) {
    case MSGPACK_OBJECT_STR:
        return 2 + 6 * (size_t)o->via.str.size;
    case MSGPACK_OBJECT_BIN:
        return o->via.bin.size <= 256 ? 2 + 2 * (size_t)o->via.bin.size : 32;
    case MSGPACK_OBJECT_ARRAY: {
        size_t cost = 2;
        for (uint32_t i = 0; i < o->via.array.size && cost <= budget; i++)
            cost += 1 + json_cost(&o->via.array.ptr[i], budget - cost);
        return cost;
    }
    default:
        return 24; /* integers (20 digits and a sign), true, false, null */
    }
}

/* The payload as JSON if it fits LDG_REPLY_PAYLOAD_JSON_MAX, else its size alone: the work
 * and the size of a tx or block reply are bounded whatever a block holds. */
static void set_payload(json_t *j, const msgpack_object *payload, size_t wire_len)
{
    if (json_cost(payload, LDG_REPLY_PAYLOAD_JSON_MAX) <= LDG_REPLY_PAYLOAD_JSON_MAX) {
        json_object_set_new(j, "payload", msgpack_json(payload));
        return;
    }
    json_object_set_new(j, "payload", json_null());
    json_object_set_new(j, "payload_omitted",
                        json_pack("{s:I,s:s}", "tx_bytes", (json_int_t)wire_len, "why",
                                  "the payload's JSON would exceed the reply budget "
                                  "(LDG_REPLY_PAYLOAD_JSON_MAX); the id identifies its bytes"));
}

static json_t *receipt_json(const ldg_receipt *r)
{
    json_t *j = result_json(r->code);
    json_object_set_new(j, "detail",
                        net_json_text(r->detail, strnlen(r->detail, sizeof r->detail)));
    json_object_set_new(j, "data", hex_json(r->data, r->data_len));
    return j;
}

static json_t *tx_json(net_node *n, ldg_state *st, const uint8_t *wire, size_t len,
                       const ldg_receipt *rc)
{
    ldg_tx tx;
    if (ldg_tx_decode(&tx, wire, len) != LDG_R_OK)
        return json_pack("{s:s}", "error", "undecodable transaction");
    const ldg_tx_type *t = ldg_registry_find(n->reg, tx.type);
    ldg_account a;
    ldg_account_of(&a, &tx.sender);
    json_t *j = json_pack("{s:o,s:I,s:s,s:o}", "id", hex_json(tx.id.b, LDG_HASH_LEN), "type",
                          (json_int_t)tx.type, "type_name", t ? t->name : "unknown", "sender",
                          party_json(st, &a));
    if (!j) {
        ldg_tx_free(&tx);
        return NULL;
    }
    net_json_time(j, "expiry", tx.expiry_ms);
    set_payload(j, tx.payload, len);
    if (rc)
        json_object_set_new(j, "receipt", receipt_json(rc));
    ldg_tx_free(&tx);
    return j;
}

static char *m_tx(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    ldg_hash id;
    if (nargs != 1 || !ldg_obj_bin(&args[0], id.b, LDG_HASH_LEN))
        return error_json(status, LDG_ERR_INVALID, "tx takes one 32-byte transaction id");
    uint64_t h;
    uint32_t idx;
    char hex[65];
    ldg_hex_encode(hex, id.b, LDG_HASH_LEN);
    /* The pool is asked first: a transaction leaves it only after its block is
     * committed, so "not pending" followed by "not committed" is a true absence, while the
     * other order could miss one committed between the two reads. */
    bool pending = net_pool_has(n->pool, &id);
    if (ldg_chain_find_tx(n->chain, &id, &h, &idx) != LDG_OK) {
        if (pending)
            return dump(json_pack("{s:s,s:s}", "id", hex, "status", "pending"), status);
        return error_json(status, LDG_ERR_NOT_FOUND,
                          "transaction %s is neither committed nor pending", hex);
    }
    ldg_record r;
    if (ldg_chain_read_block(n->chain, h, &r) != LDG_OK || idx >= r.tx_count)
        return error_json(status, LDG_ERR_CORRUPT, "block %llu is unreadable",
                          (unsigned long long)h);
    ldg_state *st = ldg_chain_reader(n->chain);
    json_t *j = tx_json(n, st, r.txs[idx], r.tx_lens[idx], &r.receipts[idx]);
    /* committed either way; "rejected" when its receipt is not OK (it changed nothing) */
    json_object_set_new(j, "status",
                        json_string(r.receipts[idx].code == LDG_R_OK ? "committed" : "rejected"));
    json_object_set_new(j, "height", json_integer((json_int_t)h));
    json_object_set_new(j, "index", json_integer(idx));
    if (j)
        net_json_time(j, "block_time", r.header.time_ms);
    ldg_state_free(st);
    ldg_record_free(&r);
    return dump(j, status);
}

/* block H [AFTER [LIMIT]]: the header and the transactions whose index is after AFTER (nil or
 * absent: from the first), at most LIMIT (0 or absent: LDG_REPLY_BLOCK_TXS_MAX) of them.
 * "next" is the last index shown when more follow (specs/rpc.md 3.3). */
static bool block_args(const msgpack_object *args, uint32_t nargs, uint64_t *h, uint64_t *from,
                       uint64_t *limit)
{
    uint64_t after = 0;
    *from = 0;
    *limit = LDG_REPLY_BLOCK_TXS_MAX;
    if (nargs < 1 || nargs > 3 || !ldg_obj_u64(&args[0], h))
        return false;
    if (nargs >= 2 && args[1].type != MSGPACK_OBJECT_NIL) {
        if (!ldg_obj_u64(&args[1], &after) || after >= LDG_BLOCK_TX_MAX)
            return false;
        *from = after + 1;
    }
    if (nargs == 3 && (!ldg_obj_u64(&args[2], limit) || *limit > LDG_REPLY_BLOCK_TXS_MAX))
        return false;
    if (*limit == 0)
        *limit = LDG_REPLY_BLOCK_TXS_MAX;
    return true;
}

static char *m_block(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    uint64_t h, from, limit;
    if (!block_args(args, nargs, &h, &from, &limit))
        return error_json(status, LDG_ERR_INVALID,
                          "block takes a height, then optionally the index after which to list "
                          "transactions (or nil) and how many (1..%d)",
                          LDG_REPLY_BLOCK_TXS_MAX);
    ldg_tip tip = ldg_chain_tip(n->chain);
    if (h > tip.height)
        return error_json(status, LDG_ERR_NOT_FOUND, "no block at height %llu (the tip is %llu)",
                          (unsigned long long)h, (unsigned long long)tip.height);
    ldg_record r;
    if (ldg_chain_read_block(n->chain, h, &r) != LDG_OK)
        return error_json(status, LDG_ERR_CORRUPT, "block %llu is unreadable",
                          (unsigned long long)h);
    ldg_state *st = ldg_chain_reader(n->chain);
    json_t *txs = json_array();
    uint64_t end = from + limit < r.tx_count ? from + limit : r.tx_count;
    for (uint64_t i = from; i < end; i++) {
        json_t *t = tx_json(n, st, r.txs[i], r.tx_lens[i], &r.receipts[i]);
        json_array_append_new(txs, t ? t : json_pack("{s:s}", "error", "unrenderable"));
    }
    ldg_state_free(st);
    json_t *j = json_pack(
        "{s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:{s:I,s:i},s:o}", "height",
        (json_int_t)r.header.height, "hash", hex_json(r.hash.b, LDG_HASH_LEN), "time_ms",
        (json_int_t)r.header.time_ms, "prev_hash", hex_json(r.header.prev_hash.b, LDG_HASH_LEN),
        "prev_state_root", hex_json(r.header.prev_state_root.b, LDG_HASH_LEN), "state_root",
        hex_json(r.state_root.b, LDG_HASH_LEN), "tx_root",
        hex_json(r.header.tx_root.b, LDG_HASH_LEN), "tx_count", (json_int_t)r.tx_count, "proposer",
        hex_json(r.header.proposer.b, LDG_PUBKEY_LEN), "certificate", "round",
        (json_int_t)r.cert.round, "signatures", (int)r.cert.count, "txs", txs);
    if (j) {
        net_json_time(j, "time", r.header.time_ms);
        json_object_set_new(j, "tx_from", json_integer((json_int_t)from));
        json_object_set_new(j, "next",
                            end < r.tx_count && end > 0 ? json_integer((json_int_t)(end - 1))
                                                        : json_null());
    }
    ldg_record_free(&r);
    return dump(j, status);
}

/* ---- participants ---- */

static json_t *participant_json(const ldg_participant *p)
{
    return json_pack("{s:s,s:o,s:o,s:o,s:I}", "name", p->name, "account", account_json(&p->account),
                     "roles", roles_json(p->roles), "pubkey", hex_json(p->pubkey.b, LDG_PUBKEY_LEN),
                     "registered_height", (json_int_t)p->height);
}

/* participants [AFTER [LIMIT]]: by name, through the name index ('n' name -> account), so the
 * cursor is a name. */
typedef struct participant_scan {
    ldg_state *st;
    json_t *arr;
    net_page *page;
} participant_scan;

static bool collect_participant(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    participant_scan *s = arg;
    ldg_account a;
    ldg_participant p;
    bool found = false;
    if (kl < 2 || vl != LDG_ACCOUNT_LEN || !net_page_after(s->page, k + 1, kl - 1))
        return true;
    memcpy(a.b, v, LDG_ACCOUNT_LEN);
    if (ldg_participant_get(s->st, &a, &p, &found) != LDG_OK || !found)
        return true;
    if (!net_page_take(s->page, k + 1, kl - 1))
        return false;
    json_array_append_new(s->arr, participant_json(&p));
    return true;
}

static char *m_participants(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    net_page page;
    char after[LDG_QUERY_CURSOR_MAX + 1];
    if (!net_page_args(&page, after, args, nargs, 0))
        return error_json(status, LDG_ERR_INVALID,
                          "participants takes an optional cursor (a name) and limit (1..%d)",
                          LDG_QUERY_PAGE_MAX);
    page.after_len = strlen(after);
    memcpy(page.after, after, page.after_len);
    ldg_state *st = ldg_chain_reader(n->chain);
    participant_scan s = {st, json_array(), &page};
    uint8_t prefix = LDG_KEY_NAME;
    ldg_err err = ldg_state_scan(st, &prefix, 1, SIZE_MAX, collect_participant, &s);
    ldg_state_free(st);
    if (err != LDG_OK) {
        json_decref(s.arr);
        return error_json(status, err, "cannot read participants");
    }
    char next[LDG_QUERY_CURSOR_MAX + 1];
    snprintf(next, sizeof next, "%.*s", (int)page.last_len, (const char *)page.last);
    json_t *j = json_pack("{s:o}", "participants", s.arr);
    net_page_finish(&page, j, next);
    return dump(j, status);
}

/* Name or 40-hex account -> participant. */
static bool lookup(ldg_state *st, const char *who, ldg_participant *p)
{
    bool found = false;
    ldg_account a;
    if (ldg_participant_by_name(st, who, p, &found) == LDG_OK && found)
        return true;
    if (ldg_account_parse(&a, who) == 0 && ldg_participant_get(st, &a, p, &found) == LDG_OK)
        return found;
    return false;
}

static bool arg_str(const msgpack_object *o, char *out, size_t max)
{
    return ldg_obj_str(o, out, max, false);
}

static char *m_participant(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    char who[LDG_NAME_LEN_MAX + 1];
    if (nargs != 1 || !arg_str(&args[0], who, LDG_NAME_LEN_MAX))
        return error_json(status, LDG_ERR_INVALID, "participant takes a name or an account");
    ldg_state *st = ldg_chain_reader(n->chain);
    ldg_participant p;
    bool ok = lookup(st, who, &p);
    ldg_state_free(st);
    if (!ok)
        return error_json(status, LDG_ERR_NOT_FOUND, "no participant named or at '%s'", who);
    return dump(participant_json(&p), status);
}

/* ---- assets and holdings ---- */

static const char *kind_name(uint64_t k)
{
    return k == AST_KIND_EQUITY ? "equity"
           : k == AST_KIND_BOND ? "bond"
           : k == AST_KIND_CASH ? "cash"
                                : "unknown";
}

/* Sets key to the quantity q of a (an integer of its smallest unit) and, for cash, key_money
 * to the same amount as a money object (specs/money.md §4). */
static void set_quantity(json_t *j, const char *key, const ast_asset *a, uint64_t q)
{
    json_object_set_new(j, key, json_integer((json_int_t)q));
    if (a->kind != AST_KIND_CASH)
        return;
    char mkey[32];
    snprintf(mkey, sizeof mkey, "%s_money", key);
    json_object_set_new(j, mkey, net_json_money((int64_t)q, a->currency));
}

static json_t *asset_json(ldg_state *st, const ast_asset *a)
{
    uint8_t hkey[1 + AST_ID_LEN] = {'H'};
    ast_id_key(hkey + 1, a->id);
    uint64_t holders = 0;
    if (ldg_state_get_u64(st, hkey, sizeof hkey, &holders) != LDG_OK)
        holders = 0;
    char risk[4];
    snprintf(risk, sizeof risk, "R%u", (unsigned)a->risk);
    json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:I,s:s,s:s,s:s,s:I}", "id", a->id, "kind",
                          kind_name(a->kind), "name", a->name, "issuer", party_json(st, &a->issuer),
                          "scale", (json_int_t)a->scale, "class", a->share_class, "risk", risk,
                          "currency", a->currency, "holders", (json_int_t)holders);
    if (j)
        set_quantity(j, "supply", a, a->supply);
    return j;
}

typedef struct asset_scan {
    ldg_state *st;
    json_t *arr;
    net_page *page;
    const ldg_account *holder; /* balance: only instruments this account holds, with quantity */
} asset_scan;

/* An instrument's cursor is its id; its sort key is the id zero-padded (ast_id_key). */
static bool asset_cursor(net_page *page, const char *after)
{
    if (!page->has_after)
        return true;
    if (!ast_id_key(page->after, after))
        return false;
    page->after_len = AST_ID_LEN;
    return true;
}

static void asset_next(const net_page *page, char next[AST_ID_LEN + 1])
{
    memcpy(next, page->last, AST_ID_LEN);
    next[page->last_len < AST_ID_LEN ? page->last_len : AST_ID_LEN] = '\0';
}

/* A row of balance: the holding of a by holder, with what of it is frozen. */
static json_t *holding_json(ldg_state *st, const ast_asset *a, const ldg_account *holder,
                            uint64_t q)
{
    uint64_t frozen = 0;
    if (ast_frozen_get(st, a->id, holder, &frozen) != LDG_OK)
        frozen = 0;
    json_t *j = json_pack("{s:s,s:s,s:s,s:I}", "id", a->id, "name", a->name, "kind",
                          kind_name(a->kind), "scale", (json_int_t)a->scale);
    if (j) {
        if (a->kind == AST_KIND_CASH)
            json_object_set_new(j, "currency", json_string(a->currency));
        set_quantity(j, "quantity", a, q);
        set_quantity(j, "frozen", a, frozen);
    }
    return j;
}

static bool collect_asset(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    asset_scan *s = arg;
    ast_asset a = {0};
    uint64_t q = 0;
    if (kl != 1 + AST_ID_LEN || !net_page_after(s->page, k + 1, AST_ID_LEN))
        return true;
    memcpy(a.id, k + 1, AST_ID_LEN);
    a.id[AST_ID_LEN] = '\0';
    if (ast_asset_decode(v, vl, &a) != LDG_OK)
        return true;
    if (s->holder && (ast_balance_get(s->st, a.id, s->holder, &q) != LDG_OK || q == 0))
        return true;
    if (!net_page_take(s->page, k + 1, AST_ID_LEN))
        return false;
    json_t *row = s->holder ? holding_json(s->st, &a, s->holder, q) : asset_json(s->st, &a);
    json_array_append_new(s->arr, row ? row : json_pack("{s:s}", "id", a.id));
    return true;
}

/* One page of instruments in id order (holder NULL), or of those holder holds. */
static json_t *assets_page(ldg_state *st, net_page *page, const ldg_account *holder)
{
    asset_scan s = {st, json_array(), page, holder};
    uint8_t prefix = 'a';
    if (ldg_state_scan(st, &prefix, 1, SIZE_MAX, collect_asset, &s) != LDG_OK) {
        json_decref(s.arr);
        return NULL;
    }
    return s.arr;
}

static char *m_assets(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    net_page page;
    char after[LDG_QUERY_CURSOR_MAX + 1], next[AST_ID_LEN + 1];
    if (!net_page_args(&page, after, args, nargs, 0) || !asset_cursor(&page, after))
        return error_json(status, LDG_ERR_INVALID,
                          "assets takes an optional cursor (an instrument id) and limit (1..%d)",
                          LDG_QUERY_PAGE_MAX);
    ldg_state *st = ldg_chain_reader(n->chain);
    json_t *arr = assets_page(st, &page, NULL);
    ldg_state_free(st);
    if (!arr)
        return error_json(status, LDG_ERR_IO, "cannot read instruments");
    json_t *j = json_pack("{s:o}", "assets", arr);
    asset_next(&page, next);
    net_page_finish(&page, j, next);
    return dump(j, status);
}

static char *m_asset(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    char id[AST_ID_LEN + 1];
    if (nargs != 1 || !arg_str(&args[0], id, AST_ID_LEN))
        return error_json(status, LDG_ERR_INVALID, "asset takes an ISIN or currency code");
    ldg_state *st = ldg_chain_reader(n->chain);
    ast_asset a;
    bool found;
    char *out;
    if (ast_asset_get(st, id, &a, &found) != LDG_OK || !found)
        out = error_json(status, LDG_ERR_NOT_FOUND, "no instrument %s is registered", id);
    else
        out = dump(asset_json(st, &a), status);
    ldg_state_free(st);
    return out;
}

/* holders ISIN [AFTER [LIMIT]]: in account order, the store's key order ('b' id account), so
 * a page seeks to its cursor (the last row's account) and reads only its own rows: the
 * work of a page is bounded by its limit, whatever the size of the register. */
typedef struct holder_scan {
    ldg_state *st;
    const ast_asset *a;
    json_t *rows;
    uint64_t limit, n, total;
    bool overflow, more;
    ldg_account last;
} holder_scan;

static bool collect_holder(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    holder_scan *s = arg;
    if (kl != 1 + AST_ID_LEN + LDG_ACCOUNT_LEN)
        return true;
    if (s->n == s->limit) { /* one row past the page: there is a next page */
        s->more = true;
        return false;
    }
    ldg_dec d;
    uint64_t q = 0, frozen = 0;
    if (ldg_decode(&d, v, vl) == LDG_OK) {
        ldg_obj_u64(d.root, &q);
        ldg_dec_free(&d);
    }
    memcpy(s->last.b, k + 1 + AST_ID_LEN, LDG_ACCOUNT_LEN);
    s->overflow |= __builtin_add_overflow(s->total, q, &s->total);
    if (ast_frozen_get(s->st, s->a->id, &s->last, &frozen) != LDG_OK)
        frozen = 0;
    json_t *row = party_json(s->st, &s->last);
    if (row) {
        set_quantity(row, "quantity", s->a, q);
        set_quantity(row, "frozen", s->a, frozen);
    }
    json_array_append_new(s->rows, row);
    s->n++;
    return true;
}

/* One page of the register: from the first holder after `after` (NULL: the first). */
static ldg_err holders_page(ldg_state *st, const ast_asset *a, const ldg_account *after,
                            holder_scan *s)
{
    uint8_t prefix[1 + AST_ID_LEN] = {'b'};
    ast_id_key(prefix + 1, a->id);
    s->st = st;
    s->a = a;
    s->rows = json_array();
    if (!after)
        return ldg_state_scan(st, prefix, sizeof prefix, SIZE_MAX, collect_holder, s);
    /* The first key after the cursor's: its key with a zero byte appended. */
    uint8_t start[sizeof prefix + LDG_ACCOUNT_LEN + 1];
    memcpy(start, prefix, sizeof prefix);
    memcpy(start + sizeof prefix, after->b, LDG_ACCOUNT_LEN);
    start[sizeof start - 1] = 0;
    return ldg_state_scan_from(st, prefix, sizeof prefix, start, sizeof start, SIZE_MAX,
                               collect_holder, s);
}

/* holders and balance take an optional height after their paging arguments (rpc.md §3.9):
 * the state as of that block, from the state tree. Splits it off: false if malformed. */
static bool height_arg(const msgpack_object *args, uint32_t *nargs, uint32_t fixed, bool *has,
                       uint64_t *height)
{
    *has = false;
    if (*nargs != fixed + 3)
        return true;
    *nargs -= 1;
    *has = true;
    return ldg_obj_u64(&args[fixed + 2], height);
}

/* The state to read: the committed one, or the one at height (NULL and *out set to the
 * error reply if it cannot be read). */
static ldg_state *reader_for(net_node *n, bool has, uint64_t height, int *status, char **out)
{
    *out = NULL;
    if (!has)
        return ldg_chain_reader(n->chain);
    ldg_state *st = NULL;
    ldg_err err = ldg_chain_reader_at(n->chain, height, &st);
    uint64_t floor = 0, tip = ldg_chain_tip(n->chain).height;
    if (err == LDG_ERR_PRUNED && ldg_chain_floor(n->chain, &floor) == LDG_OK)
        *out = error_json(status, err,
                          "height %llu is older than this node's retained history: it keeps "
                          "heights %llu..%llu (retain_blocks in config.ini)",
                          (unsigned long long)height, (unsigned long long)floor,
                          (unsigned long long)tip);
    else if (err == LDG_ERR_NOT_FOUND)
        *out = error_json(status, err, "height %llu is above the chain's tip (%llu)",
                          (unsigned long long)height, (unsigned long long)tip);
    else if (err != LDG_OK)
        *out = error_json(status, err, "cannot read the state at height %llu",
                          (unsigned long long)height);
    return st;
}

static char *m_holders(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    char id[AST_ID_LEN + 1], after[LDG_QUERY_CURSOR_MAX + 1];
    net_page page;
    ldg_account from;
    bool has_height;
    uint64_t height = 0;
    if (nargs < 1 || !arg_str(&args[0], id, AST_ID_LEN) ||
        !height_arg(args, &nargs, 1, &has_height, &height) ||
        !net_page_args(&page, after, args, nargs, 1) ||
        (page.has_after && ldg_account_parse(&from, after) != 0))
        return error_json(status, LDG_ERR_INVALID,
                          "holders takes an ISIN or currency code, then optionally a cursor (an "
                          "account, 40 hex, or nil), limit (1..%d, 0 = the most) and height",
                          LDG_QUERY_PAGE_MAX);
    char *refused;
    ldg_state *st = reader_for(n, has_height, height, status, &refused);
    if (!st)
        return refused;
    ast_asset a;
    bool found;
    if (ast_asset_get(st, id, &a, &found) != LDG_OK || !found) {
        ldg_state_free(st);
        return error_json(status, LDG_ERR_NOT_FOUND, "no instrument %s is registered%s", id,
                          has_height ? " at that height" : "");
    }
    holder_scan s = {.limit = page.limit};
    ldg_err err = holders_page(st, &a, page.has_after ? &from : NULL, &s);
    uint8_t hkey[1 + AST_ID_LEN] = {'H'};
    ast_id_key(hkey + 1, a.id);
    uint64_t count = 0;
    if (err == LDG_OK && ldg_state_get_u64(st, hkey, sizeof hkey, &count) != LDG_OK)
        count = 0;
    ldg_state_free(st);
    if (err != LDG_OK) {
        json_decref(s.rows);
        return error_json(status, err, "cannot read holders of %s", id);
    }
    json_t *j =
        json_pack("{s:s,s:o,s:s,s:I,s:o,s:I}", "id", id, "name",
                  net_json_text(a.name, strlen(a.name)), "kind", kind_name(a.kind), "scale",
                  (json_int_t)a.scale, "holders", s.rows, "holder_count", (json_int_t)count);
    if (j) {
        if (a.kind == AST_KIND_CASH)
            json_object_set_new(j, "currency", json_string(a.currency));
        set_quantity(j, "supply", &a, a.supply);
        /* The whole register in this reply: its sum is checked against the supply here;
         * else the client sums the pages (each page's work stays bounded). */
        if (!page.has_after && !s.more) {
            set_quantity(j, "total", &a, s.total);
            json_object_set_new(j, "conserved", json_boolean(!s.overflow && s.total == a.supply));
        }
        char next[LDG_ACCOUNT_HEX_LEN];
        ldg_account_hex(next, &s.last);
        json_object_set_new(j, "next", s.more ? json_string(next) : json_null());
        if (has_height)
            json_object_set_new(j, "height", json_integer((json_int_t)height));
    }
    return dump(j, status);
}

/* balance WHO [AFTER [LIMIT]]: the instruments WHO holds, in id order; the cursor is an id. */
static char *m_balance(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    char who[LDG_NAME_LEN_MAX + 1], after[LDG_QUERY_CURSOR_MAX + 1], next[AST_ID_LEN + 1];
    net_page page;
    bool has_height;
    uint64_t height = 0;
    if (nargs < 1 || !arg_str(&args[0], who, LDG_NAME_LEN_MAX) ||
        !height_arg(args, &nargs, 1, &has_height, &height) ||
        !net_page_args(&page, after, args, nargs, 1) || !asset_cursor(&page, after))
        return error_json(status, LDG_ERR_INVALID,
                          "balance takes a participant or account, then optionally a cursor (an "
                          "instrument id, or nil), limit (1..%d, 0 = the most) and height",
                          LDG_QUERY_PAGE_MAX);
    char *refused;
    ldg_state *st = reader_for(n, has_height, height, status, &refused);
    if (!st)
        return refused;
    ldg_participant p;
    ldg_account acct;
    bool known = lookup(st, who, &p);
    if (known)
        acct = p.account;
    else if (ldg_account_parse(&acct, who) != 0) {
        ldg_state_free(st);
        return error_json(status, LDG_ERR_NOT_FOUND, "no participant named or at '%s'", who);
    }
    json_t *rows = assets_page(st, &page, &acct);
    ldg_state_free(st);
    if (!rows)
        return error_json(status, LDG_ERR_IO, "cannot read instruments");
    json_t *j = json_pack("{s:o,s:s,s:o}", "account", account_json(&acct), "name",
                          known ? p.name : "", "balances", rows);
    if (j && has_height)
        json_object_set_new(j, "height", json_integer((json_int_t)height));
    asset_next(&page, next);
    net_page_finish(&page, j, next);
    return dump(j, status);
}

static char *m_dev_time(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    uint64_t ms;
    if (!n->dev)
        return error_json(status, LDG_ERR_INVALID,
                          "this node is not in development mode (start it with --dev)");
    if (nargs != 1 || !ldg_obj_u64(&args[0], &ms) || ms > 100ULL * 365 * 86400 * 1000)
        return error_json(status, LDG_ERR_INVALID, "dev_time_advance takes milliseconds");
    atomic_fetch_add(&n->time_offset_ms, ms);
    atomic_store(&n->force_block, true);
    net_pool_wake(n->pool);
    return dump(json_pack("{s:I}", "time_offset_ms", (json_int_t)atomic_load(&n->time_offset_ms)),
                status);
}

/* Settlement lists: trades [STATUS [AFTER [LIMIT]]] (STATUS text, "" for all), cycles and
 * queue [AFTER [LIMIT]]; the cursor is a decimal id. */
static json_t *settlement_list(ldg_state *st, const char *method, const msgpack_object *args,
                               uint32_t nargs, ldg_err *err)
{
    bool instructions = !strcmp(method, "instructions");
    bool trades = !strcmp(method, "trades") || instructions;
    uint32_t fixed = trades && nargs > 0 ? 1 : 0;
    char text[32] = "", after[LDG_QUERY_CURSOR_MAX + 1];
    net_page page;
    if ((fixed && !ldg_obj_str(&args[0], text, sizeof text - 1, true)) ||
        !net_page_args(&page, after, args, nargs, fixed) ||
        (page.has_after && !net_page_u64_key(&page, after))) {
        *err = LDG_ERR_INVALID;
        return NULL;
    }
    if (instructions)
        return net_query_instructions(st, text, &page, err);
    if (trades)
        return net_query_trades(st, text, &page, err);
    return !strcmp(method, "cycles") ? net_query_cycles(st, &page, err)
                                     : net_query_queue(st, &page, err);
}

/* cycle_preview: the next block's view (its height, and the node's time, never before the
 * tip). One at a time, at most once per tip (net_node.preview). The tip is read before the
 * reader is taken, so a preview is never cached under a tip newer than its state (a block
 * committed in between leaves it under the older tip, which no request matches any more). */
static json_t *cycle_preview(net_node *n, ldg_err *err)
{
    pthread_mutex_lock(&n->preview_mu);
    ldg_tip tip = ldg_chain_tip(n->chain);
    json_t *j = NULL;
    if (n->preview && !memcmp(n->preview_tip.b, tip.hash.b, LDG_HASH_LEN)) {
        j = json_deep_copy(n->preview);
    } else {
        ldg_state *st = ldg_chain_reader(n->chain);
        uint64_t now = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
        ldg_env env = {.chain_id = n->cfg.chain_id,
                       .height = tip.height + 1,
                       .time_ms = now > tip.time_ms ? now : tip.time_ms,
                       .dev_mode = n->dev};
        j = net_query_cycle_preview(st, n->reg, &env, err);
        ldg_state_free(st);
        if (j && *err == LDG_OK) {
            json_decref(n->preview);
            n->preview = json_deep_copy(j);
            n->preview_tip = tip.hash;
        }
    }
    pthread_mutex_unlock(&n->preview_mu);
    return j;
}

/* Settlement reads: the lists above, trade ID, cycle ID. */
static char *m_settlement(net_node *n, const char *method, const msgpack_object *args,
                          uint32_t nargs, int *status)
{
    ldg_state *st = ldg_chain_reader(n->chain);
    ldg_err err = LDG_OK;
    json_t *j = NULL;
    uint64_t id = 0;
    bool has_id = nargs == 1 && ldg_obj_u64(&args[0], &id);
    if (!strcmp(method, "trades") || !strcmp(method, "cycles") || !strcmp(method, "queue") ||
        !strcmp(method, "instructions"))
        j = settlement_list(st, method, args, nargs, &err);
    else if (!strcmp(method, "cycle_preview") && nargs == 0)
        j = cycle_preview(n, &err);
    else if (!strcmp(method, "trade") && has_id)
        j = net_query_trade(st, id, &err);
    else if (!strcmp(method, "cycle") && has_id)
        j = net_query_cycle(st, id, &err);
    else
        err = LDG_ERR_INVALID;
    ldg_state_free(st);
    if (err == LDG_ERR_INVALID)
        return error_json(status, err, "bad arguments for %s", method);
    if (err == LDG_ERR_NOT_FOUND)
        return error_json(status, LDG_ERR_NOT_FOUND, "no %s %llu", method, (unsigned long long)id);
    if (err != LDG_OK) {
        json_decref(j);
        return error_json(status, err, "cannot read %s", method);
    }
    return dump(j, status);
}

static char *m_stop(net_node *n, int *status)
{
    (void)status;
    atomic_store(&n->stopping, true);
    net_pool_wake(n->pool);
    return dump(json_pack("{s:b}", "stopping", 1), status);
}

/* ---- the method table (net_rpc_methods.h) ----
 * It lives here, after the handlers it names, so that they stay private to this file;
 * the other query files each export one entry point that serves their family of methods.
 * The adapters below give every handler the table's one signature. */

#define WITH_ARGS(fn)                                                                              \
    static char *h_##fn(net_node *n, const char *method, const msgpack_object *args,               \
                        uint32_t nargs, int *status)                                               \
    {                                                                                              \
        (void)method;                                                                              \
        return m_##fn(n, args, nargs, status);                                                     \
    }
#define NO_ARGS(fn)                                                                                \
    static char *h_##fn(net_node *n, const char *method, const msgpack_object *args,               \
                        uint32_t nargs, int *status)                                               \
    {                                                                                              \
        (void)method, (void)args, (void)nargs;                                                     \
        return m_##fn(n, status);                                                                  \
    }
WITH_ARGS(submit)
WITH_ARGS(check)
WITH_ARGS(tx)
WITH_ARGS(block)
WITH_ARGS(participant)
WITH_ARGS(asset)
WITH_ARGS(holders)
WITH_ARGS(balance)
WITH_ARGS(dev_time)
WITH_ARGS(participants)
WITH_ARGS(assets)
NO_ARGS(status)
NO_ARGS(stop)

static char *h_settlement(net_node *n, const char *method, const msgpack_object *args,
                          uint32_t nargs, int *status)
{
    return m_settlement(n, method, args, nargs, status);
}

#define PUB NET_RPC_PUBLIC
#define OPR NET_RPC_OPERATOR
#define MBR NET_RPC_MEMBER
#define SMALL LDG_RPC_REQUEST_SMALL_MAX

/* Sorted by name (net_rpc_method_find searches it; a unit test checks the order). */
const net_rpc_method net_rpc_methods[] = {
    {"action", net_query_assets, PUB, SMALL, false},
    {"actions", net_query_assets, PUB, SMALL, true},
    {"asset", h_asset, PUB, SMALL, false},
    {"assets", h_assets, PUB, SMALL, true},
    {"balance", h_balance, PUB, SMALL, true},
    {"block", h_block, PUB, SMALL, false},
    {"bond_schedule", net_query_assets, PUB, SMALL, false},
    {"check", h_check, PUB, LDG_RPC_REQUEST_QUERY_MAX, false},
    {"checkpoint", net_query_chains, PUB, SMALL, false},
    {"contract_info", net_query_vm, PUB, SMALL, false},
    {"contract_query", net_query_vm, PUB, LDG_RPC_REQUEST_QUERY_MAX, false},
    {"contract_result", net_query_vm, PUB, SMALL, false},
    {"controls", net_query_views, PUB, SMALL, true},
    {"cycle", h_settlement, PUB, SMALL, false},
    {"cycle_preview", h_settlement, PUB, SMALL, false},
    {"cycles", h_settlement, PUB, SMALL, true},
    {"dev_time_advance", h_dev_time, OPR, SMALL, false},
    {"evidence", net_query_evidence, PUB, SMALL, false},
    {"evidence_slice", net_query_evidence_store, MBR, SMALL, false},
    {"evidence_slices", net_query_evidence_store, MBR, SMALL, false},
    {"gov_code", net_query_gov, PUB, SMALL, false},
    {"gov_committee", net_query_gov, PUB, SMALL, false},
    {"gov_proposal", net_query_gov, PUB, SMALL, false},
    {"gov_proposals", net_query_gov, PUB, SMALL, true},
    {"history", net_query_views, PUB, SMALL, true},
    {"holders", h_holders, PUB, SMALL, true},
    {"instructions", h_settlement, PUB, SMALL, true},
    {"investor", net_query_assets, PUB, SMALL, false},
    {"investors", net_query_views, PUB, SMALL, true},
    {"participant", h_participant, PUB, SMALL, false},
    {"participants", h_participants, PUB, SMALL, true},
    {"proof", net_query_proof, PUB, SMALL, false},
    {"queue", h_settlement, PUB, SMALL, true},
    {"rules", net_query_assets, PUB, SMALL, false},
    {"statement", net_query_views, PUB, SMALL, true},
    {"status", h_status, PUB, SMALL, false},
    {"stop", h_stop, OPR, SMALL, false},
    {"subchain", net_query_chains, PUB, SMALL, false},
    {"subchains", net_query_chains, PUB, SMALL, false},
    {"submit", h_submit, PUB, LDG_RPC_MSG_SIZE_MAX, false},
    {"trade", h_settlement, PUB, SMALL, false},
    {"trades", h_settlement, PUB, SMALL, true},
    {"transfer_check", net_query_assets, PUB, SMALL, false},
    {"tx", h_tx, PUB, SMALL, false},
};
const size_t net_rpc_method_count = sizeof net_rpc_methods / sizeof net_rpc_methods[0];
