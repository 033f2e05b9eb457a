/* The client RPC methods (specs/rpc.md): admission of transactions and read-only queries
 * over the committed state. Every reply is JSON; the CLI prints it as is (--json) or as a
 * table. */
#include "ast_asset.h"
#include "net_node.h"
#include "net_query_assets.h"
#include "net_query_settlement.h"
#include "net_query_vm.h"
#include "net_rpc_methods.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *error_json(int *status, ldg_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *error_json(int *status, ldg_err err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *status = (int)err;
    json_t *j = json_pack("{s:s,s:s}", "error", ldg_err_name(err), "message", msg);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    LDG_ASSERT(s);
    return s;
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

/* ---- admission ---- */

static ldg_result admit(net_node *n, ldg_state *reader, const uint8_t *wire, size_t len,
                        ldg_hash *id)
{
    ldg_tx tx;
    memset(id, 0, sizeof *id);
    ldg_result r = ldg_tx_decode(&tx, wire, len);
    if (r != LDG_R_OK)
        return r;
    *id = tx.id;
    ldg_tip tip = ldg_chain_tip(n->chain);
    uint64_t now = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
    r = ldg_exec_precheck(&tx, ldg_chain_id(n->chain), now > tip.time_ms ? now : tip.time_ms);
    uint64_t h;
    uint32_t idx;
    if (r == LDG_R_OK && ldg_chain_find_tx(n->chain, &tx.id, &h, &idx) == LDG_OK)
        r = LDG_R_REPLAY;
    if (r == LDG_R_OK &&
        (net_mempool_contains(n->mempool, &tx.id) || (n->multi && net_bft_pending(n, &tx.id))))
        r = LDG_R_REPLAY;
    bool known = false;
    if (r == LDG_R_OK && !net_senders_verify(&n->senders, &tx, &known))
        r = LDG_R_BAD_SIGNATURE;
    if (r == LDG_R_OK && !known) {
        ldg_account a;
        ldg_participant p;
        ldg_pubkey_point pt;
        bool found;
        ldg_account_of(&a, &tx.sender);
        if (ldg_participant_get(reader, &a, &p, &found) != LDG_OK || !found)
            r = LDG_R_UNKNOWN_SENDER;
        else if (ldg_pubkey_lift(&pt, &tx.sender))
            net_senders_add(&n->senders, &tx.sender, &pt);
    }
    uint64_t expiry = tx.expiry_ms;
    ldg_tx_free(&tx);
    if (r != LDG_R_OK)
        return r;
    uint8_t *copy = malloc(len);
    LDG_ASSERT(copy);
    memcpy(copy, wire, len);
    r = net_mempool_add(n->mempool, id, copy, len, expiry);
    if (r != LDG_R_OK)
        free(copy);
    return r;
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
                          "rejected", rejected));
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
        "mempool", (json_int_t)net_mempool_size(n->mempool), "validators", (int)nv, "dev", n->dev,
        "last_commit_ms", (json_int_t)atomic_load(&n->last_commit_ms), "validator_index",
        n->validator_index, "time_offset_ms", (json_int_t)atomic_load(&n->time_offset_ms));
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
    return dump(j);
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
        return json_stringn(o->via.str.ptr, o->via.str.size);
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

static json_t *receipt_json(const ldg_receipt *r)
{
    json_t *j = result_json(r->code);
    json_object_set_new(j, "detail", json_string(r->detail));
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
    char name[LDG_NAME_LEN_MAX + 1];
    name_of(st, &a, name, sizeof name);
    json_t *j = json_pack("{s:o,s:I,s:s,s:o,s:s,s:I,s:o}", "id", hex_json(tx.id.b, LDG_HASH_LEN),
                          "type", (json_int_t)tx.type, "type_name", t ? t->name : "unknown",
                          "sender", account_json(&a), "sender_name", name, "expiry_ms",
                          (json_int_t)tx.expiry_ms, "payload", msgpack_json(tx.payload));
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
    /* The mempool is asked first: a transaction leaves it only after its block is
     * committed, so "not pending" followed by "not committed" is a true absence, while the
     * other order could miss one committed between the two reads. */
    bool pending = net_mempool_contains(n->mempool, &id) || (n->multi && net_bft_pending(n, &id));
    if (ldg_chain_find_tx(n->chain, &id, &h, &idx) != LDG_OK) {
        if (pending)
            return dump(json_pack("{s:s,s:s}", "id", hex, "status", "pending"));
        return error_json(status, LDG_ERR_NOT_FOUND,
                          "transaction %s is neither committed nor pending", hex);
    }
    ldg_record r;
    if (ldg_chain_read_block(n->chain, h, &r) != LDG_OK || idx >= r.tx_count)
        return error_json(status, LDG_ERR_CORRUPT, "block %llu is unreadable",
                          (unsigned long long)h);
    ldg_state *st = ldg_chain_reader(n->chain);
    json_t *j = tx_json(n, st, r.txs[idx], r.tx_lens[idx], &r.receipts[idx]);
    json_object_set_new(j, "status", json_string("committed"));
    json_object_set_new(j, "height", json_integer((json_int_t)h));
    json_object_set_new(j, "index", json_integer(idx));
    json_object_set_new(j, "block_time_ms", json_integer((json_int_t)r.header.time_ms));
    ldg_state_free(st);
    ldg_record_free(&r);
    return dump(j);
}

static char *m_block(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    uint64_t h;
    if (nargs != 1 || !ldg_obj_u64(&args[0], &h))
        return error_json(status, LDG_ERR_INVALID, "block takes one height");
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
    for (uint32_t i = 0; i < r.tx_count && i < 1000; i++)
        json_array_append_new(txs, tx_json(n, st, r.txs[i], r.tx_lens[i], &r.receipts[i]));
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
    ldg_record_free(&r);
    return dump(j);
}

/* ---- participants ---- */

static json_t *participant_json(const ldg_participant *p)
{
    char roles[256];
    ldg_roles_format(p->roles, roles, sizeof roles);
    return json_pack("{s:s,s:o,s:s,s:o,s:I}", "name", p->name, "account", account_json(&p->account),
                     "roles", roles, "pubkey", hex_json(p->pubkey.b, LDG_PUBKEY_LEN),
                     "registered_height", (json_int_t)p->height);
}

static bool collect_participant(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ldg_participant p;
    if (ldg_participant_decode(v, vl, &p) == LDG_OK)
        json_array_append_new(arg, participant_json(&p));
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                  json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

static json_t *sorted(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    json_t **items = malloc((n ? n : 1) * sizeof *items);
    LDG_ASSERT(items);
    for (size_t i = 0; i < n; i++)
        items[i] = json_incref(json_array_get(arr, i));
    qsort(items, n, sizeof *items, cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, items[i]);
    free(items);
    json_decref(arr);
    return out;
}

static char *m_participants(net_node *n, int *status)
{
    ldg_state *st = ldg_chain_reader(n->chain);
    json_t *arr = json_array();
    uint8_t prefix = LDG_KEY_PARTICIPANT;
    ldg_err err = ldg_state_scan(st, &prefix, 1, LDG_QUERY_ROWS_MAX, collect_participant, arr);
    ldg_state_free(st);
    if (err != LDG_OK) {
        json_decref(arr);
        return error_json(status, err, "cannot read participants");
    }
    return dump(json_pack("{s:o}", "participants", sorted(arr, by_name)));
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
    return dump(participant_json(&p));
}

/* ---- assets and holdings ---- */

static const char *kind_name(uint64_t k)
{
    return k == AST_KIND_EQUITY ? "equity"
           : k == AST_KIND_BOND ? "bond"
           : k == AST_KIND_CASH ? "cash"
                                : "unknown";
}

static json_t *asset_json(ldg_state *st, const ast_asset *a)
{
    char issuer[LDG_NAME_LEN_MAX + 1];
    name_of(st, &a->issuer, issuer, sizeof issuer);
    uint8_t hkey[1 + AST_ID_LEN] = {'H'};
    ast_id_key(hkey + 1, a->id);
    uint64_t holders = 0;
    if (ldg_state_get_u64(st, hkey, sizeof hkey, &holders) != LDG_OK)
        holders = 0;
    char risk[4];
    snprintf(risk, sizeof risk, "R%u", (unsigned)a->risk);
    return json_pack("{s:s,s:s,s:s,s:o,s:s,s:I,s:I,s:s,s:s,s:s,s:I}", "id", a->id, "kind",
                     kind_name(a->kind), "name", a->name, "issuer", account_json(&a->issuer),
                     "issuer_name", issuer, "supply", (json_int_t)a->supply, "scale",
                     (json_int_t)a->scale, "class", a->share_class, "risk", risk, "currency",
                     a->currency, "holders", (json_int_t)holders);
}

typedef struct asset_scan {
    ldg_state *st;
    json_t *arr;
} asset_scan;

static bool collect_asset(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    asset_scan *s = arg;
    ast_asset a = {0};
    if (kl != 1 + AST_ID_LEN)
        return true;
    memcpy(a.id, k + 1, AST_ID_LEN);
    a.id[AST_ID_LEN] = '\0';
    if (ast_asset_decode(v, vl, &a) == LDG_OK)
        json_array_append_new(s->arr, asset_json(s->st, &a));
    return true;
}

static json_t *all_assets(ldg_state *st)
{
    asset_scan s = {st, json_array()};
    uint8_t prefix = 'a';
    if (ldg_state_scan(st, &prefix, 1, LDG_QUERY_ROWS_MAX, collect_asset, &s) != LDG_OK) {
        json_decref(s.arr);
        return NULL;
    }
    return s.arr;
}

static char *m_assets(net_node *n, int *status)
{
    ldg_state *st = ldg_chain_reader(n->chain);
    json_t *arr = all_assets(st);
    ldg_state_free(st);
    if (!arr)
        return error_json(status, LDG_ERR_IO, "cannot read instruments");
    return dump(json_pack("{s:o}", "assets", arr));
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
        out = dump(asset_json(st, &a));
    ldg_state_free(st);
    return out;
}

typedef struct holder_scan {
    ldg_state *st;
    json_t *arr;
    uint64_t total;
    bool overflow;
} holder_scan;

static bool collect_holder(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    holder_scan *s = arg;
    if (kl != 1 + AST_ID_LEN + LDG_ACCOUNT_LEN)
        return true;
    ldg_account a;
    memcpy(a.b, k + 1 + AST_ID_LEN, LDG_ACCOUNT_LEN);
    ldg_dec d;
    uint64_t q = 0;
    if (ldg_decode(&d, v, vl) == LDG_OK) {
        ldg_obj_u64(d.root, &q);
        ldg_dec_free(&d);
    }
    s->overflow |= __builtin_add_overflow(s->total, q, &s->total);
    char name[LDG_NAME_LEN_MAX + 1];
    name_of(s->st, &a, name, sizeof name);
    json_array_append_new(s->arr, json_pack("{s:o,s:s,s:I}", "account", account_json(&a), "name",
                                            name, "quantity", (json_int_t)q));
    return true;
}

static int by_quantity(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    json_int_t qa = json_integer_value(json_object_get(a, "quantity"));
    json_int_t qb = json_integer_value(json_object_get(b, "quantity"));
    if (qa != qb)
        return qa > qb ? -1 : 1;
    return strcmp(json_string_value(json_object_get(a, "account")),
                  json_string_value(json_object_get(b, "account")));
}

static char *m_holders(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    char id[AST_ID_LEN + 1];
    if (nargs != 1 || !arg_str(&args[0], id, AST_ID_LEN))
        return error_json(status, LDG_ERR_INVALID, "holders takes an ISIN or currency code");
    ldg_state *st = ldg_chain_reader(n->chain);
    ast_asset a;
    bool found;
    if (ast_asset_get(st, id, &a, &found) != LDG_OK || !found) {
        ldg_state_free(st);
        return error_json(status, LDG_ERR_NOT_FOUND, "no instrument %s is registered", id);
    }
    holder_scan s = {st, json_array(), 0, false};
    uint8_t prefix[1 + AST_ID_LEN] = {'b'};
    ast_id_key(prefix + 1, id);
    ldg_err err = ldg_state_scan(st, prefix, sizeof prefix, LDG_QUERY_ROWS_MAX, collect_holder, &s);
    ldg_state_free(st);
    if (err != LDG_OK) {
        json_decref(s.arr);
        return error_json(status, err, "cannot read holders of %s", id);
    }
    size_t holder_count = json_array_size(s.arr); /* sorted() frees s.arr */
    json_t *j = json_pack("{s:s,s:s,s:o,s:I,s:I,s:I,s:b}", "id", id, "name", a.name, "holders",
                          sorted(s.arr, by_quantity), "holder_count", (json_int_t)holder_count,
                          "total", (json_int_t)s.total, "supply", (json_int_t)a.supply, "conserved",
                          !s.overflow && s.total == a.supply);
    return dump(j);
}

static char *m_balance(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    char who[LDG_NAME_LEN_MAX + 1];
    if (nargs != 1 || !arg_str(&args[0], who, LDG_NAME_LEN_MAX))
        return error_json(status, LDG_ERR_INVALID, "balance takes a participant or account");
    ldg_state *st = ldg_chain_reader(n->chain);
    ldg_participant p;
    ldg_account acct;
    bool known = lookup(st, who, &p);
    if (known)
        acct = p.account;
    else if (ldg_account_parse(&acct, who) != 0) {
        ldg_state_free(st);
        return error_json(status, LDG_ERR_NOT_FOUND, "no participant named or at '%s'", who);
    }
    json_t *assets = all_assets(st), *rows = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(assets, i, a)
    {
        const char *id = json_string_value(json_object_get(a, "id"));
        uint64_t q = 0;
        if (ast_balance_get(st, id, &acct, &q) == LDG_OK && q > 0)
            json_array_append_new(rows,
                                  json_pack("{s:s,s:s,s:s,s:I}", "id", id, "name",
                                            json_string_value(json_object_get(a, "name")), "kind",
                                            json_string_value(json_object_get(a, "kind")),
                                            "quantity", (json_int_t)q));
    }
    json_decref(assets);
    ldg_state_free(st);
    return dump(json_pack("{s:o,s:s,s:o}", "account", account_json(&acct), "name",
                          known ? p.name : "", "balances", rows));
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
    net_mempool_wake(n->mempool);
    return dump(json_pack("{s:I}", "time_offset_ms", (json_int_t)atomic_load(&n->time_offset_ms)));
}

/* Settlement reads: [method] or [method, u64 or str]. */
static char *m_settlement(net_node *n, const char *method, const msgpack_object *args,
                          uint32_t nargs, int *status)
{
    ldg_state *st = ldg_chain_reader(n->chain);
    ldg_err err = LDG_OK;
    json_t *j = NULL;
    uint64_t id = 0;
    char text[32] = "";
    bool has_id = nargs == 1 && ldg_obj_u64(&args[0], &id);
    if (nargs == 1 && !has_id && !ldg_obj_str(&args[0], text, sizeof text - 1, true))
        nargs = 99;
    if (!strcmp(method, "trades") && nargs <= 1 && !has_id)
        j = net_query_trades(st, text, &err);
    else if (!strcmp(method, "trade") && has_id)
        j = net_query_trade(st, id, &err);
    else if (!strcmp(method, "cycles") && nargs == 0)
        j = net_query_cycles(st, &err);
    else if (!strcmp(method, "cycle") && has_id)
        j = net_query_cycle(st, id, &err);
    else if (!strcmp(method, "queue") && nargs == 0)
        j = net_query_queue(st, &err);
    else
        err = LDG_ERR_INVALID;
    ldg_state_free(st);
    if (err == LDG_ERR_INVALID)
        return error_json(status, err, "bad arguments for %s", method);
    if (err == LDG_ERR_NOT_FOUND || !j)
        return error_json(status, LDG_ERR_NOT_FOUND, "no %s %llu", method, (unsigned long long)id);
    if (err != LDG_OK) {
        json_decref(j);
        return error_json(status, err, "cannot read %s", method);
    }
    return dump(j);
}

static char *m_stop(net_node *n, int *status)
{
    (void)status;
    atomic_store(&n->stopping, true);
    net_mempool_wake(n->mempool);
    return dump(json_pack("{s:b}", "stopping", 1));
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
WITH_ARGS(tx)
WITH_ARGS(block)
WITH_ARGS(participant)
WITH_ARGS(asset)
WITH_ARGS(holders)
WITH_ARGS(balance)
WITH_ARGS(dev_time)
NO_ARGS(status)
NO_ARGS(participants)
NO_ARGS(assets)
NO_ARGS(stop)

static char *h_settlement(net_node *n, const char *method, const msgpack_object *args,
                          uint32_t nargs, int *status)
{
    return m_settlement(n, method, args, nargs, status);
}

#define PUB NET_RPC_PUBLIC
#define OPR NET_RPC_OPERATOR
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
    {"contract_info", net_query_vm, PUB, SMALL, false},
    {"contract_query", net_query_vm, PUB, LDG_RPC_REQUEST_QUERY_MAX, false},
    {"contract_result", net_query_vm, PUB, SMALL, false},
    {"cycle", h_settlement, PUB, SMALL, false},
    {"cycles", h_settlement, PUB, SMALL, true},
    {"dev_time_advance", h_dev_time, OPR, SMALL, false},
    {"holders", h_holders, PUB, SMALL, true},
    {"investor", net_query_assets, PUB, SMALL, false},
    {"participant", h_participant, PUB, SMALL, false},
    {"participants", h_participants, PUB, SMALL, true},
    {"queue", h_settlement, PUB, SMALL, true},
    {"rules", net_query_assets, PUB, SMALL, false},
    {"status", h_status, PUB, SMALL, false},
    {"stop", h_stop, OPR, SMALL, false},
    {"submit", h_submit, PUB, LDG_RPC_MSG_SIZE_MAX, false},
    {"trade", h_settlement, PUB, SMALL, false},
    {"trades", h_settlement, PUB, SMALL, true},
    {"transfer_check", net_query_assets, PUB, SMALL, false},
    {"tx", h_tx, PUB, SMALL, false},
};
const size_t net_rpc_method_count = sizeof net_rpc_methods / sizeof net_rpc_methods[0];
