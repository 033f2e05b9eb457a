/* Simulated sub-chains and a main-chain state for the registry's tests, simulation and
 * benchmark: real keys sign real headers and commit certificates; the main chain is an
 * in-memory state with the node's registry. Header-only, static functions. */
#ifndef CHN_TESTKIT_H
#define CHN_TESTKIT_H

#include "chn.h"
#include "ldg_chain.h"
#include "net_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TK_UNUSED __attribute__((unused))
#define TK_MAIN_CHAIN "main-test"

/* One simulated sub-chain: its validator keys and the headers it has committed. */
typedef struct tk_sub {
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    ldg_hash genesis_hash;
    uint32_t n;
    ldg_keypair keys[LDG_VALIDATORS_MAX];
    uint64_t height;  /* the tip */
    ldg_hash tip;     /* hash of the tip header */
    uint64_t time_ms; /* the tip's time */
} tk_sub;

/* Deterministic validator keys: seed and index pick the secret. */
static TK_UNUSED void tk_keys(ldg_keypair *out, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t salt = 0;; salt++) {
            uint32_t in[4] = {0x63686e73, seed, i, salt};
            ldg_hash h;
            ldg_sha256(&h, in, sizeof in);
            if (ldg_keypair_from_secret(&out[i], h.b) == LDG_OK)
                break;
        }
}

static TK_UNUSED void tk_sub_init(tk_sub *s, const char *chain_id, uint32_t n, uint32_t seed)
{
    memset(s, 0, sizeof *s);
    snprintf(s->chain_id, sizeof s->chain_id, "%s", chain_id);
    ldg_tagged_hash(&s->genesis_hash, LDG_TAG_GENESIS, chain_id, strlen(chain_id));
    s->n = n;
    tk_keys(s->keys, n, seed);
    s->time_ms = 1700000000000ULL;
}

/* The header of height h after prev, its bytes in *e; salt makes a different block. */
static TK_UNUSED void tk_header(ldg_enc *e, const tk_sub *s, uint64_t h, const ldg_hash *prev,
                                uint64_t time_ms, uint8_t salt)
{
    ldg_header hd;
    memset(&hd, 0, sizeof hd);
    hd.version = LDG_BLOCK_VERSION;
    snprintf(hd.chain_id, sizeof hd.chain_id, "%s", s->chain_id);
    hd.height = h;
    hd.time_ms = time_ms;
    hd.prev_hash = *prev;
    memset(hd.prev_state_root.b, salt, LDG_HASH_LEN);
    hd.proposer = s->keys[0].pub;
    ldg_enc_reset(e);
    ldg_header_encode(e, &hd);
}

/* The certificate of header bytes hb by the validators whose bit is set in mask (index i
 * signs with keys[i]); chain id taken from the sub-chain. */
static TK_UNUSED void tk_cert(ldg_cert *c, const tk_sub *s, const ldg_keypair *keys, uint32_t n,
                              uint64_t h, const uint8_t *hb, size_t hl, uint64_t mask)
{
    memset(c, 0, sizeof *c);
    c->height = h;
    ldg_tagged_hash(&c->block_hash, LDG_TAG_BLOCK, hb, hl);
    ldg_hash msg;
    ldg_vote_hash(&msg, s->chain_id, h, 0, LDG_VOTE_PRECOMMIT, &c->block_hash);
    for (uint32_t i = 0; i < n && i < 64; i++)
        if (mask >> i & 1) {
            c->sigs[c->count].validator = i;
            if (ldg_sign_deterministic(&c->sigs[c->count].sig, &keys[i], &msg) != LDG_OK)
                abort();
            c->count++;
        }
}

static TK_UNUSED uint64_t tk_all(uint32_t n)
{
    return n >= 64 ? UINT64_MAX : (1ULL << n) - 1;
}

/* Advances the sub-chain by k blocks (each dt ms); header bytes of the new tip in *e. */
static TK_UNUSED void tk_advance(tk_sub *s, uint64_t k, uint64_t dt, ldg_enc *e)
{
    for (uint64_t i = 0; i < k; i++) {
        s->height++;
        s->time_ms += dt;
        tk_header(e, s, s->height, &s->tip, s->time_ms, 0);
        ldg_tagged_hash(&s->tip, LDG_TAG_BLOCK, ldg_enc_data(e), ldg_enc_len(e));
    }
}

/* ---- the main chain: an in-memory state with the node's registry ---- */

typedef struct tk_main {
    ldg_registry *reg;
    ldg_memkv *kv;
    ldg_state *st;
    ldg_env env;
    ldg_keypair relayer, operator_;
    ldg_account operator_account;
} tk_main;

static TK_UNUSED void tk_main_init(tk_main *m)
{
    memset(m, 0, sizeof *m);
    m->reg = net_registry_new();
    m->kv = ldg_memkv_new();
    m->st = ldg_state_new(ldg_memkv_base(m->kv));
    tk_keys(&m->relayer, 1, 9001);
    tk_keys(&m->operator_, 1, 9002);
    static ldg_genesis g;
    memset(&g, 0, sizeof g);
    snprintf(g.chain_id, sizeof g.chain_id, "%s", TK_MAIN_CHAIN);
    g.validator_count = 1;
    g.validators[0] = m->relayer.pub;
    snprintf(g.participants[0].name, sizeof g.participants[0].name, "relayer");
    g.participants[0].roles = LDG_ROLE_BROKER | LDG_ROLE_REGISTRAR;
    g.participants[0].key = m->relayer.pub;
    snprintf(g.participants[1].name, sizeof g.participants[1].name, "operator");
    g.participants[1].roles = LDG_ROLE_ISSUER;
    g.participants[1].key = m->operator_.pub;
    g.participant_count = 2;
    ldg_genesis_apply(m->st, &g);
    ldg_account_of(&m->operator_account, &m->operator_.pub);
    m->env.chain_id = TK_MAIN_CHAIN;
    m->env.height = 1;
    m->env.time_ms = 1700000000000ULL;
}

static TK_UNUSED void tk_main_free(tk_main *m)
{
    ldg_state_free(m->st);
    ldg_memkv_free(m->kv);
    ldg_registry_free(m->reg);
}

/* A new main-chain block: its hooks run at time t. */
static TK_UNUSED void tk_block(tk_main *m, uint64_t t)
{
    m->env.height++;
    m->env.time_ms = t;
    if (ldg_exec_begin_block(m->reg, m->st, &m->env) != LDG_OK)
        abort();
}

/* Applies a committee action (the governance module's way: the handler with the committee
 * role, atomically). Returns the result; detail into det if given. */
static TK_UNUSED ldg_result tk_committee(tk_main *m, uint16_t type, const ldg_enc *payload,
                                         char *det, size_t dl)
{
    const ldg_tx_type *t = ldg_registry_find(m->reg, type);
    if (!t)
        abort();
    ldg_dec d;
    if (ldg_decode(&d, ldg_enc_data(payload), ldg_enc_len(payload)) != LDG_OK)
        abort();
    ldg_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    ldg_txctx c = {.reg = m->reg, .st = m->st, .env = &m->env, .tx = &tx};
    c.sender_roles = LDG_ROLE_COMMITTEE;
    ldg_state_tx_begin(m->st);
    ldg_result r = t->apply(&c, d.root);
    if (r == LDG_R_OK)
        ldg_state_tx_commit(m->st);
    else
        ldg_state_tx_rollback(m->st);
    ldg_dec_free(&d);
    if (det)
        snprintf(det, dl, "%s", c.detail);
    return r;
}

/* Submits chain.checkpoint through the executor, signed by the relayer. Returns the receipt
 * code; rc->data[0] is 1 (anchored) or 2 (frozen) on success. */
static TK_UNUSED ldg_result tk_exec(tk_main *m, uint16_t type, const ldg_enc *payload,
                                    ldg_receipt *rc)
{
    static uint64_t nonce_seq;
    size_t len;
    ldg_hash id;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_raw(&p, ldg_enc_data(payload), ldg_enc_len(payload));
    nonce_seq++;
    uint8_t *w =
        ldg_tx_build(&len, &id, TK_MAIN_CHAIN, &(ldg_hash){{0}}, type, &m->relayer,
                     m->env.time_ms + 60000 + nonce_seq, ldg_enc_data(&p), ldg_enc_len(&p), true);
    ldg_enc_free(&p);
    if (!w)
        abort();
    ldg_tx tx;
    if (ldg_tx_decode(&tx, w, len) != LDG_R_OK)
        abort();
    if (ldg_exec_tx(m->reg, m->st, &m->env, &tx, 0, rc) != LDG_OK)
        abort();
    ldg_tx_free(&tx);
    free(w);
    return rc->code;
}

static TK_UNUSED void tk_enc_keys(ldg_enc *e, const ldg_keypair *keys, uint32_t n)
{
    ldg_enc_array(e, n);
    for (uint32_t i = 0; i < n; i++)
        ldg_enc_bin(e, keys[i].pub.b, LDG_PUBKEY_LEN);
}

/* chain.create of sub-chain s as id. */
static TK_UNUSED ldg_result tk_create(tk_main *m, const char *id, const tk_sub *s,
                                      uint64_t period_ms)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, id);
    ldg_enc_str(&e, "securities");
    ldg_enc_str(&e, s->chain_id);
    ldg_enc_bin(&e, s->genesis_hash.b, LDG_HASH_LEN);
    tk_enc_keys(&e, s->keys, s->n);
    ldg_enc_u64(&e, period_ms);
    ldg_enc_bin(&e, m->operator_account.b, LDG_ACCOUNT_LEN);
    ldg_result r = tk_committee(m, CHN_TX_CREATE, &e, NULL, 0);
    ldg_enc_free(&e);
    return r;
}

/* Relays the checkpoint (header bytes hb, cert). */
static TK_UNUSED ldg_result tk_checkpoint(tk_main *m, const char *id, const ldg_enc *hb,
                                          const ldg_cert *cert, ldg_receipt *rc)
{
    ldg_enc e;
    ldg_enc_init(&e);
    chn_checkpoint_tx_encode(&e, id, ldg_enc_data(hb), ldg_enc_len(hb), cert);
    ldg_receipt local;
    ldg_result r = tk_exec(m, CHN_TX_CHECKPOINT, &e, rc ? rc : &local);
    ldg_enc_free(&e);
    return r;
}

/* A vote of validator key kp on sub-chain s at (h, round, type) for the block whose bytes
 * are all `blk` (0: nil), signed over the chain id `chain_id` (NULL: s's own). */
static TK_UNUSED chn_vote tk_vote(const tk_sub *s, const ldg_keypair *kp, uint64_t h,
                                  uint64_t round, uint64_t type, uint8_t blk, const char *chain_id)
{
    chn_vote v;
    memset(&v, 0, sizeof v);
    v.height = h;
    v.round = round;
    v.type = type;
    v.has_block = blk != 0;
    memset(v.block.b, blk, LDG_HASH_LEN);
    ldg_hash msg;
    ldg_vote_hash(&msg, chain_id ? chain_id : s->chain_id, h, round, (uint32_t)type,
                  v.has_block ? &v.block : NULL);
    if (ldg_sign_deterministic(&v.sig, kp, &msg) != LDG_OK)
        abort();
    return v;
}

/* Submits chain.evidence [id, key, a, b] through the executor, signed by the relayer. */
static TK_UNUSED ldg_result tk_evidence(tk_main *m, const char *id, const ldg_pubkey *key,
                                        const chn_vote *a, const chn_vote *b, ldg_receipt *rc)
{
    chn_evidence_tx ev;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.id, sizeof ev.id, "%s", id);
    ev.key = *key;
    ev.a = *a;
    ev.b = *b;
    ldg_enc e;
    ldg_enc_init(&e);
    chn_evidence_tx_encode(&e, &ev);
    ldg_receipt local;
    ldg_result r = tk_exec(m, CHN_TX_EVIDENCE, &e, rc ? rc : &local);
    ldg_enc_free(&e);
    return r;
}

static TK_UNUSED chn_record tk_record(tk_main *m, const char *id)
{
    chn_record r;
    bool found;
    if (chn_record_get(m->st, id, &r, &found) != LDG_OK || !found)
        abort();
    return r;
}

#endif
