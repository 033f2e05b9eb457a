/* libFuzzer target for the sub-chain checkpoint decoder and handler (chain.checkpoint,
 * chains/chn_tx.c, specs/chains.md §5.2), the duplicate-vote evidence decoder and handler
 * (chain.evidence, §5.3) and the two-level proof decoder (chn_xproof_verify).
 *
 * The fixture: a main-chain state with sub-chain "sec" (4 validators) anchored at height 3.
 * Each input is a chain.checkpoint payload, run through the handler inside a transaction that
 * is rolled back. Seeds: the next checkpoint (accepted), the anchored one (duplicate), a
 * second block at height 3 (equivocation), one signature short; a validator's two precommits
 * for different blocks (evidence), two for one block.
 *
 * Properties checked on every input:
 * - the result is OK or a code of the ledger or of 960..989 (never a store failure);
 * - a refusal leaves the record exactly as it was;
 * - an accepted checkpoint's certificate verifies under the registered set with a quorum;
 * - the same bytes given to the two-level verifier get a stable verdict with a sentence;
 * - with its signatures verified ahead into the cache (the node's path), the same result
 *   and the same sentence;
 * - the same bytes as a chain.evidence payload: OK or a code as above, a refusal changes
 *   nothing, and an accepted one is two votes of one height, round and step for different
 *   blocks, both verifying under a key of the set. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chn.h"
#include "ldg_chain.h"
#include "net_node.h"

#define SUB "sub-fuzz"
#define MAIN_CHAIN "main-fuzz"

static struct {
    bool ready;
    ldg_registry *reg;
    ldg_memkv *kv;
    ldg_state *st;
    ldg_env env;
    ldg_keypair keys[4];
    ldg_hash tip3;
    uint8_t rec[16384];
    size_t rec_len;
} fx;

static void key_for(ldg_keypair *kp, uint8_t seed)
{
    uint8_t sk[32];
    for (uint8_t salt = 0;; salt++) {
        memset(sk, seed, sizeof sk);
        sk[31] = salt;
        if (ldg_keypair_from_secret(kp, sk) == LDG_OK)
            return;
    }
}

static void header(ldg_enc *e, uint64_t h, const ldg_hash *prev, uint8_t salt)
{
    ldg_header hd;
    memset(&hd, 0, sizeof hd);
    hd.version = LDG_BLOCK_VERSION;
    snprintf(hd.chain_id, sizeof hd.chain_id, "%s", SUB);
    hd.height = h;
    hd.time_ms = 1700000000000ULL + h;
    hd.prev_hash = *prev;
    memset(hd.tx_root.b, salt, LDG_HASH_LEN);
    hd.proposer = fx.keys[0].pub;
    ldg_enc_reset(e);
    ldg_header_encode(e, &hd);
}

static void cert(ldg_cert *c, uint64_t h, const ldg_enc *hb, unsigned signers)
{
    memset(c, 0, sizeof *c);
    c->height = h;
    ldg_tagged_hash(&c->block_hash, LDG_TAG_BLOCK, ldg_enc_data(hb), ldg_enc_len(hb));
    ldg_hash msg;
    ldg_vote_hash(&msg, SUB, h, 0, LDG_VOTE_PRECOMMIT, &c->block_hash);
    for (unsigned i = 0; i < signers; i++) {
        c->sigs[i].validator = i;
        LDG_ASSERT(ldg_sign_deterministic(&c->sigs[i].sig, &fx.keys[i], &msg) == LDG_OK);
    }
    c->count = signers;
}

static ldg_result run_type(uint16_t type, const msgpack_object *payload, ldg_txctx *c,
                           const ldg_env *env)
{
    const ldg_tx_type *t = ldg_registry_find(fx.reg, type);
    LDG_ASSERT(t);
    static ldg_tx tx;
    tx.type = type;
    *c = (ldg_txctx){.reg = fx.reg, .st = fx.st, .env = env, .tx = &tx};
    return t->apply(c, payload);
}

static ldg_result run_env(const msgpack_object *payload, ldg_txctx *c, const ldg_env *env)
{
    return run_type(CHN_TX_CHECKPOINT, payload, c, env);
}

static ldg_result run(const msgpack_object *payload, ldg_txctx *c)
{
    return run_env(payload, c, &fx.env);
}

/* The same input with its signatures gathered and verified ahead (ldg_exec_presign, the
 * node's path, specs/chains.md §8.1): the same result and sentence as without the cache. */
static void check_presigned(const msgpack_object *payload, ldg_result want, const char *detail)
{
    static ldg_sigcache *cache;
    if (!cache)
        cache = ldg_sigcache_new();
    ldg_env env = fx.env;
    env.sigcache = cache;
    ldg_tx tx = {.type = CHN_TX_CHECKPOINT, .payload = payload};
    uint32_t jobs = ldg_exec_presign(fx.reg, fx.st, &env, &tx, 1, 1);
    LDG_ASSERT(jobs <= LDG_VALIDATORS_MAX);
    ldg_state_tx_begin(fx.st);
    ldg_txctx c;
    ldg_result r = run_env(payload, &c, &env);
    LDG_ASSERT(r == want && !strcmp(c.detail, detail));
    ldg_state_tx_rollback(fx.st);
}

static size_t record_bytes(uint8_t *out)
{
    uint8_t k[CHN_KEY_RECORD_LEN];
    chn_record_key(k, "sec");
    const uint8_t *v;
    size_t vl;
    bool found;
    LDG_ASSERT(ldg_state_get(fx.st, k, sizeof k, &v, &vl, &found) == LDG_OK && found);
    LDG_ASSERT(vl <= sizeof fx.rec);
    memcpy(out, v, vl);
    return vl;
}

static void setup(void)
{
    if (fx.ready)
        return;
    fx.ready = true;
    fx.reg = net_registry_new();
    fx.kv = ldg_memkv_new();
    fx.st = ldg_state_new(ldg_memkv_base(fx.kv));
    for (uint8_t i = 0; i < 4; i++)
        key_for(&fx.keys[i], (uint8_t)(i + 1));
    static ldg_genesis g;
    snprintf(g.chain_id, sizeof g.chain_id, MAIN_CHAIN);
    g.validator_count = 1;
    g.validators[0] = fx.keys[0].pub;
    snprintf(g.participants[0].name, sizeof g.participants[0].name, "op");
    g.participants[0].roles = LDG_ROLE_REGISTRAR;
    g.participants[0].key = fx.keys[0].pub;
    g.participant_count = 1;
    ldg_genesis_apply(fx.st, &g);
    fx.env = (ldg_env){.chain_id = MAIN_CHAIN, .height = 1, .time_ms = 1700000000000ULL};
    ldg_account acct;
    ldg_account_of(&acct, &fx.keys[0].pub);
    ldg_enc e, hb;
    ldg_enc_init(&e);
    ldg_enc_init(&hb);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, "sec");
    ldg_enc_str(&e, "securities");
    ldg_enc_str(&e, SUB);
    ldg_enc_bin(&e, (uint8_t[32]){1}, 32);
    ldg_enc_array(&e, 4);
    for (int i = 0; i < 4; i++)
        ldg_enc_bin(&e, fx.keys[i].pub.b, 32);
    ldg_enc_u64(&e, 10000);
    ldg_enc_bin(&e, acct.b, 20);
    ldg_dec d;
    LDG_ASSERT(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)) == LDG_OK);
    static ldg_tx tx = {.type = CHN_TX_CREATE};
    ldg_txctx c = {
        .reg = fx.reg, .st = fx.st, .env = &fx.env, .tx = &tx, .sender_roles = LDG_ROLE_COMMITTEE};
    LDG_ASSERT(ldg_registry_find(fx.reg, CHN_TX_CREATE)->apply(&c, d.root) == LDG_R_OK);
    ldg_dec_free(&d);
    header(&hb, 3, &(ldg_hash){{0}}, 0);
    ldg_tagged_hash(&fx.tip3, LDG_TAG_BLOCK, ldg_enc_data(&hb), ldg_enc_len(&hb));
    ldg_cert ct;
    cert(&ct, 3, &hb, 4);
    ldg_enc_reset(&e);
    chn_checkpoint_tx_encode(&e, "sec", ldg_enc_data(&hb), ldg_enc_len(&hb), &ct);
    LDG_ASSERT(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)) == LDG_OK);
    LDG_ASSERT(run(d.root, &c) == LDG_R_OK);
    ldg_dec_free(&d);
    ldg_enc_free(&e);
    ldg_enc_free(&hb);
    fx.rec_len = record_bytes(fx.rec);
}

static chn_vote vote(unsigned v, uint8_t blk)
{
    chn_vote x = {.height = 5, .round = 1, .type = LDG_VOTE_PRECOMMIT, .has_block = true};
    memset(x.block.b, blk, LDG_HASH_LEN);
    ldg_hash msg;
    ldg_vote_hash(&msg, SUB, x.height, x.round, (uint32_t)x.type, &x.block);
    LDG_ASSERT(ldg_sign_deterministic(&x.sig, &fx.keys[v], &msg) == LDG_OK);
    return x;
}

/* Seeds 4, 5: validator 2's precommits for two blocks (evidence), for one block twice. */
static size_t evidence_seed(uint8_t *out, size_t cap, unsigned index)
{
    chn_evidence_tx ev = {.id = "sec", .key = fx.keys[2].pub, .a = vote(2, 1)};
    ev.b = vote(2, index == 4 ? 2 : 1);
    ldg_enc e;
    ldg_enc_init(&e);
    chn_evidence_tx_encode(&e, &ev);
    size_t n = ldg_enc_len(&e) <= cap ? ldg_enc_len(&e) : 0;
    memcpy(out, ldg_enc_data(&e), n);
    ldg_enc_free(&e);
    return n;
}

/* The input as a chain.evidence payload (specs/chains.md §5.3). */
static void check_evidence(const msgpack_object *payload)
{
    chn_evidence_tx ev;
    bool shaped = chn_evidence_tx_decode(&ev, payload);
    ldg_state_tx_begin(fx.st);
    ldg_txctx c;
    ldg_result r = run_type(CHN_TX_EVIDENCE, payload, &c, &fx.env);
    LDG_ASSERT(r != LDG_R_STORE_FAILED);
    LDG_ASSERT(r == LDG_R_OK || r < 200 || (r >= 960 && r <= 989));
    static uint8_t now[16384];
    size_t nl = record_bytes(now);
    if (r != LDG_R_OK) {
        LDG_ASSERT(nl == fx.rec_len && !memcmp(now, fx.rec, nl));
    } else {
        LDG_ASSERT(shaped && ev.a.height == ev.b.height && ev.a.round == ev.b.round &&
                   ev.a.type == ev.b.type);
        LDG_ASSERT(ev.a.has_block != ev.b.has_block ||
                   memcmp(ev.a.block.b, ev.b.block.b, LDG_HASH_LEN));
        bool in_set = false;
        for (int i = 0; i < 4; i++)
            in_set |= !memcmp(fx.keys[i].pub.b, ev.key.b, LDG_PUBKEY_LEN);
        LDG_ASSERT(in_set);
        const chn_vote *v[2] = {&ev.a, &ev.b};
        for (int i = 0; i < 2; i++) {
            ldg_hash msg;
            ldg_vote_hash(&msg, SUB, v[i]->height, v[i]->round, (uint32_t)v[i]->type,
                          v[i]->has_block ? &v[i]->block : NULL);
            LDG_ASSERT(ldg_verify(&v[i]->sig, &msg, &ev.key));
        }
        chn_record rec;
        bool found;
        LDG_ASSERT(chn_record_get(fx.st, "sec", &rec, &found) == LDG_OK && found);
        LDG_ASSERT(rec.status == CHN_FROZEN && rec.evidence_count == 1);
    }
    ldg_state_tx_rollback(fx.st);
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    if (index >= 6)
        return 0;
    setup();
    if (index >= 4)
        return evidence_seed(out, cap, index);
    ldg_enc hb, e;
    ldg_enc_init(&hb);
    ldg_enc_init(&e);
    ldg_cert ct;
    uint64_t h = index == 0 ? 4 : 3;
    header(&hb, h, index == 0 ? &fx.tip3 : &(ldg_hash){{0}}, index == 2 ? 9 : 0);
    cert(&ct, h, &hb, index == 3 ? 2 : 3);
    chn_checkpoint_tx_encode(&e, "sec", ldg_enc_data(&hb), ldg_enc_len(&hb), &ct);
    size_t n = ldg_enc_len(&e) <= cap ? ldg_enc_len(&e) : 0;
    memcpy(out, ldg_enc_data(&e), n);
    ldg_enc_free(&e);
    ldg_enc_free(&hb);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    chn_xclaim *x = calloc(1, sizeof *x);
    LDG_ASSERT(x);
    ldg_proof_rc xr = chn_xproof_verify(data, size, (const uint8_t *)"", 0, x);
    LDG_ASSERT(xr != LDG_PROOF_OK && x->why[0]); /* no main genesis: never valid */
    chn_xclaim_free(x);
    free(x);
    if (size > LDG_TX_SIZE_MAX)
        return 0;
    ldg_dec d;
    if (ldg_decode(&d, data, size) != LDG_OK)
        return 0;
    chn_checkpoint_tx cp;
    bool shaped = chn_checkpoint_tx_decode(&cp, d.root);
    ldg_state_tx_begin(fx.st);
    ldg_txctx c;
    ldg_result r = run(d.root, &c);
    LDG_ASSERT(r != LDG_R_STORE_FAILED);
    LDG_ASSERT(r == LDG_R_OK || r < 200 || (r >= 960 && r <= 989));
    static uint8_t now[16384];
    size_t nl = record_bytes(now);
    if (r != LDG_R_OK) {
        LDG_ASSERT(nl == fx.rec_len && !memcmp(now, fx.rec, nl));
    } else {
        LDG_ASSERT(shaped);
        LDG_ASSERT(cp.cert.count >= ldg_quorum(4));
        ldg_pubkey set[4];
        for (int i = 0; i < 4; i++)
            set[i] = fx.keys[i].pub;
        LDG_ASSERT(ldg_cert_verify(&cp.cert, SUB, set, 4));
    }
    ldg_state_tx_rollback(fx.st);
    static char detail[sizeof c.detail];
    memcpy(detail, c.detail, sizeof detail);
    check_presigned(d.root, r, detail);
    check_evidence(d.root);
    ldg_dec_free(&d);
    return 0;
}
