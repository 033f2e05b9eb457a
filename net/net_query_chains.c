/* The sub-chain RPC methods (specs/rpc.md §3.16, specs/chains.md §7):
 *   checkpoint [height | nil]  -> this chain's header and commit certificate of a block (the
 *                                 tip by default): what a relayer submits to a main chain
 *   subchain [id]              -> one registry record (main chain)
 *   subchains [after | nil]    -> the registry, by id, at most CHN_LIST_ROWS_MAX rows */
#include "net_query_chains.h"
#include "chn.h"

#include "net_reply.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *hexj(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    LDG_ASSERT(s);
    ldg_hex_encode(s, b, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static char *m_checkpoint(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    ldg_tip tip = ldg_chain_tip(n->chain);
    uint64_t h = tip.height;
    if (nargs > 1 ||
        (nargs == 1 && args[0].type != MSGPACK_OBJECT_NIL && !ldg_obj_u64(&args[0], &h)))
        return net_reply_error(status, LDG_ERR_INVALID, "checkpoint takes a height or nothing");
    if (h == 0 || h > tip.height)
        return net_reply_error(status, LDG_ERR_NOT_FOUND,
                               "no certified block at height %llu (the tip is %llu; block 0 has "
                               "no certificate)",
                               (unsigned long long)h, (unsigned long long)tip.height);
    ldg_record r;
    if (ldg_chain_read_block(n->chain, h, &r) != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "block %llu is unreadable",
                               (unsigned long long)h);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_header_encode(&e, &r.header);
    json_t *j =
        json_pack("{s:I,s:s,s:o,s:o}", "height", (json_int_t)h, "chain_id", r.header.chain_id,
                  "genesis_hash", hexj(ldg_chain_genesis_hash(n->chain)->b, LDG_HASH_LEN), "header",
                  hexj(ldg_enc_data(&e), ldg_enc_len(&e)));
    ldg_enc_reset(&e);
    ldg_cert_encode(&e, &r.cert);
    json_object_set_new(j, "cert", hexj(ldg_enc_data(&e), ldg_enc_len(&e)));
    json_object_set_new(j, "signatures", json_integer(r.cert.count));
    net_json_time(j, "time", r.header.time_ms);
    ldg_enc_free(&e);
    ldg_record_free(&r);
    return net_reply_dump(j, JSON_COMPACT, status);
}

static json_t *set_json(const chn_valset *s, bool keys_too)
{
    json_t *keys = json_array();
    for (uint32_t i = 0; i < s->count; i++)
        json_array_append_new(keys, hexj(s->keys[i].b, LDG_PUBKEY_LEN));
    json_t *j =
        json_pack("{s:I,s:I}", "since", (json_int_t)s->since, "count", (json_int_t)s->count);
    if (keys_too)
        json_object_set_new(j, "keys", keys);
    else
        json_decref(keys);
    return j;
}

/* The record as JSON; age from the main chain's tip time. */
json_t *net_subchain_json(const chn_record *r, uint64_t tip_ms, bool keys_too)
{
    char acct[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(acct, &r->account);
    json_t *signers = json_array();
    for (uint32_t i = 0; i < r->signer_count; i++)
        json_array_append_new(signers, json_integer(r->signers[i]));
    json_t *last = json_pack(
        "{s:I,s:o,s:I,s:I,s:o}", "height", (json_int_t)r->last_height, "hash",
        hexj(r->last_hash.b, LDG_HASH_LEN), "main_height", (json_int_t)r->anchored_height, "age_ms",
        (json_int_t)(tip_ms > r->anchored_ms ? tip_ms - r->anchored_ms : 0), "signers", signers);
    net_json_time(last, "anchored_time", r->anchored_ms);
    if (r->last_height)
        net_json_time(last, "header_time", r->last_time_ms);
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:o,s:s,s:I,s:o,s:o,s:o,s:I,s:I}", "id", r->id, "status",
        chn_status_name(r->status), "business", r->business, "chain_id", r->chain_id,
        "genesis_hash", hexj(r->genesis_hash.b, LDG_HASH_LEN), "account", acct, "period_ms",
        (json_int_t)r->period_ms, "validators", set_json(&r->set, keys_too), "next_validators",
        r->has_next ? set_json(&r->next, keys_too) : json_null(), "last", last, "created_height",
        (json_int_t)r->created_height, "evidence_count", (json_int_t)r->evidence_count);
    net_json_time(j, "deadline", r->deadline_ms);
    return j;
}

/* A vote evidence record [3, key, index, vote_a, vote_b, main_height] (chains.md §2.3) as
 * JSON: the fields of a certificate pair's, each side's signer the one validator, and the
 * validator's key, the round, the step and both signatures. */
static bool vote_evidence_row(json_t *rows, const msgpack_object *root)
{
    const msgpack_object *f;
    uint64_t kind, index, mh;
    ldg_pubkey key;
    chn_vote a, b;
    if (!ldg_obj_array(root, 6, &f) || !ldg_obj_u64(&f[0], &kind) || kind != 3 ||
        !ldg_obj_bin(&f[1], key.b, LDG_PUBKEY_LEN) || !ldg_obj_u64(&f[2], &index) ||
        !chn_vote_decode(&a, &f[3]) || !chn_vote_decode(&b, &f[4]) || !ldg_obj_u64(&f[5], &mh))
        return false;
    json_array_append_new(
        rows,
        json_pack("{s:s,s:I,s:o,s:[I],s:I,s:o,s:[I],s:I,s:I,s:o,s:I,s:s,s:o,s:o}", "kind",
                  "one validator signed two blocks", "height_a", (json_int_t)a.height, "hash_a",
                  a.has_block ? hexj(a.block.b, LDG_HASH_LEN) : json_string("nil"), "signers_a",
                  (json_int_t)index, "height_b", (json_int_t)b.height, "hash_b",
                  b.has_block ? hexj(b.block.b, LDG_HASH_LEN) : json_string("nil"), "signers_b",
                  (json_int_t)index, "main_height", (json_int_t)mh, "validator", (json_int_t)index,
                  "validator_key", hexj(key.b, LDG_PUBKEY_LEN), "round", (json_int_t)a.round,
                  "step", a.type == LDG_VOTE_PREVOTE ? "prevote" : "precommit", "sig_a",
                  hexj(a.sig.b, LDG_SIG_LEN), "sig_b", hexj(b.sig.b, LDG_SIG_LEN)));
    return true;
}

/* One evidence record (chains.md §2.3) as JSON: kind, both heights and block hashes, both
 * signer lists, the main-chain block that stored it; the signed headers in hex. */
static bool evidence_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)k, (void)kl;
    json_t *rows = arg;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return false;
    if (d.root->type == MSGPACK_OBJECT_ARRAY && d.root->via.array.size == 6) {
        bool ok = vote_evidence_row(rows, d.root);
        ldg_dec_free(&d);
        return ok;
    }
    const msgpack_object *f;
    uint64_t kind, ha, hb, mh;
    const uint8_t *a, *b;
    size_t al, bl;
    ldg_cert *ca = malloc(2 * sizeof *ca), *cb = ca + 1;
    LDG_ASSERT(ca);
    bool ok = ldg_obj_array(d.root, 8, &f) && ldg_obj_u64(&f[0], &kind) &&
              ldg_obj_u64(&f[1], &ha) && ldg_obj_bin_ref(&f[2], LDG_PROOF_HEADER_MAX, &a, &al) &&
              ldg_cert_decode(ca, &f[3]) == LDG_OK && ldg_obj_u64(&f[4], &hb) &&
              ldg_obj_bin_ref(&f[5], LDG_PROOF_HEADER_MAX, &b, &bl) &&
              ldg_cert_decode(cb, &f[6]) == LDG_OK && ldg_obj_u64(&f[7], &mh);
    if (ok) {
        ldg_hash xa, xb;
        ldg_tagged_hash(&xa, LDG_TAG_BLOCK, a, al);
        ldg_tagged_hash(&xb, LDG_TAG_BLOCK, b, bl);
        json_t *sa = json_array(), *sb = json_array();
        for (uint32_t i = 0; i < ca->count; i++)
            json_array_append_new(sa, json_integer(ca->sigs[i].validator));
        for (uint32_t i = 0; i < cb->count; i++)
            json_array_append_new(sb, json_integer(cb->sigs[i].validator));
        json_array_append_new(
            rows, json_pack("{s:s,s:I,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:I}", "kind",
                            kind == 1 ? "two blocks at one height" : "does not extend the last",
                            "height_a", (json_int_t)ha, "hash_a", hexj(xa.b, LDG_HASH_LEN),
                            "signers_a", sa, "header_a", hexj(a, al), "height_b", (json_int_t)hb,
                            "hash_b", hexj(xb.b, LDG_HASH_LEN), "signers_b", sb, "header_b",
                            hexj(b, bl), "main_height", (json_int_t)mh));
    }
    free(ca);
    ldg_dec_free(&d);
    return ok;
}

static char *m_subchain(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    char id[CHN_ID_LEN_MAX + 1];
    if (nargs != 1 || !ldg_obj_str(&args[0], id, CHN_ID_LEN_MAX, false) || !chn_id_valid(id))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "subchain takes a sub-chain id (1..16 of a-z, 0-9, '-')");
    ldg_state *st = ldg_chain_reader(n->chain);
    chn_record r;
    bool found = false;
    ldg_err err = chn_record_get(st, id, &r, &found);
    json_t *ev = json_array();
    if (err == LDG_OK && found) { /* the first CHN_EVIDENCE_SHOWN_MAX evidence records */
        uint8_t prefix[2 + CHN_ID_LEN_MAX] = {CHN_KEY_NS, CHN_KEY_EVIDENCE};
        memcpy(prefix + 2, id, strlen(id));
        err = ldg_state_scan(st, prefix, sizeof prefix, CHN_EVIDENCE_SHOWN_MAX, evidence_row, ev);
    }
    ldg_state_free(st);
    if (err != LDG_OK || !found) {
        json_decref(ev);
        if (err != LDG_OK)
            return net_reply_error(status, err, "the record of '%s' is unreadable", id);
        return net_reply_error(status, LDG_ERR_NOT_FOUND, "no sub-chain '%s' is registered", id);
    }
    json_t *j = net_subchain_json(&r, ldg_chain_tip(n->chain).time_ms, true);
    json_object_set_new(j, "evidence", ev);
    return net_reply_dump(j, JSON_COMPACT, status);
}

typedef struct list_scan {
    char after[CHN_ID_LEN_MAX + 1];
    json_t *rows;
    uint64_t tip_ms;
    size_t n;
    bool more, bad;
    char last[CHN_ID_LEN_MAX + 1];
} list_scan;

static bool list_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    list_scan *s = arg;
    char id[CHN_ID_LEN_MAX + 1] = {0};
    if (kl != CHN_KEY_RECORD_LEN)
        return true;
    memcpy(id, k + 2, CHN_ID_LEN_MAX);
    if (s->after[0] && strcmp(id, s->after) <= 0)
        return true;
    if (s->n == CHN_LIST_ROWS_MAX) {
        s->more = true;
        return false;
    }
    chn_record r;
    if (!chn_record_decode(&r, id, v, vl)) {
        s->bad = true;
        return false;
    }
    json_array_append_new(s->rows, net_subchain_json(&r, s->tip_ms, false));
    snprintf(s->last, sizeof s->last, "%s", id);
    s->n++;
    return true;
}

static char *m_subchains(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    list_scan *s = calloc(1, sizeof *s);
    LDG_ASSERT(s);
    if (nargs > 1 || (nargs == 1 && args[0].type != MSGPACK_OBJECT_NIL &&
                      !ldg_obj_str(&args[0], s->after, CHN_ID_LEN_MAX, false))) {
        free(s);
        return net_reply_error(status, LDG_ERR_INVALID,
                               "subchains takes the id after which to list, or nothing");
    }
    static const uint8_t prefix[2] = {CHN_KEY_NS, CHN_KEY_RECORD};
    s->rows = json_array();
    s->tip_ms = ldg_chain_tip(n->chain).time_ms;
    ldg_state *st = ldg_chain_reader(n->chain);
    /* every record up to the page (ids before `after` are skipped: bounded by the registry) */
    ldg_err err = ldg_state_scan(st, prefix, sizeof prefix, SIZE_MAX, list_row, s);
    ldg_state_free(st);
    if (err != LDG_OK || s->bad) {
        json_decref(s->rows);
        free(s);
        return net_reply_error(status, err != LDG_OK ? err : LDG_ERR_CORRUPT,
                               "the registry is unreadable");
    }
    json_t *j = json_pack("{s:o,s:o}", "subchains", s->rows, "next",
                          s->more ? json_string(s->last) : json_null());
    free(s);
    return net_reply_dump(j, JSON_COMPACT, status);
}

char *net_query_chains(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                       int *status)
{
    if (!strcmp(method, "checkpoint"))
        return m_checkpoint(n, args, nargs, status);
    if (!strcmp(method, "subchain"))
        return m_subchain(n, args, nargs, status);
    return m_subchains(n, args, nargs, status);
}
