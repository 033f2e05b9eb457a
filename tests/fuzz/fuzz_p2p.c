/* libFuzzer target for every p2p message kind (net/net_p2p.h), as each socket receives it:
 * the first input byte picks the receiving path, the rest is the message.
 *
 *   0 consensus bus (limit NET_P2P_CONS_SIZE_MAX): the rest is up to 8 messages, each
 *     preceded by its length (2 bytes, big-endian); every CONS that decodes is stepped
 *     into a fresh consensus core of 4 validators at height 1 (its verify callback accepts
 *     every signature, so that hostile content reaches the state machine);
 *   1 batch bus (BATCH): every transaction decoded, the batch digest computed;
 *   2 sync server (SYNC_REQ, BATCH_REQ): a SYNC_REQ is answered from a real chain
 *     (net_sync_reply);
 *   3 sync client (SYNC_REP, BATCH_REP): every record decoded (net_sync_decode) and
 *     applied to the chain (net_sync_apply; the certificate cannot verify, nothing commits);
 *   4 commit subscription (COMMIT): the record decoded and applied likewise;
 *   5 a raw block record (net_sync_decode).
 *
 * Properties checked: a message that decodes re-encodes to exactly its input bytes (CONS,
 * BATCH, BATCH_REQ, BATCH_REP, SYNC_REQ, COMMIT); counts stay within their limits; nothing
 * reached from input asserts, leaks or reads out of bounds. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldg_chain.h"
#include "net_consensus.h"
#include "net_p2p.h"
#include "net_sync.h"

static char dir[] = "/tmp/folio-fuzz-p2p-XXXXXX";
static ldg_chain *chain;
static ldg_registry *reg;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void cleanup(void)
{
    ldg_chain_close(chain);
    ldg_registry_free(reg);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A chain holding block 0 only, whose one validator key is not a curve point: no
 * certificate verifies, so applying a record never commits and every run starts alike. */
static ldg_chain *get_chain(void)
{
    if (chain)
        return chain;
    LDG_ASSERT(mkdtemp(dir) != NULL);
    static ldg_genesis g;
    snprintf(g.chain_id, sizeof g.chain_id, "folio-fuzz");
    g.time_ms = 1700000000000ULL;
    g.validator_count = 1;
    memset(g.validators[0].b, 0x11, LDG_PUBKEY_LEN);
    reg = ldg_registry_new();
    ldg_exec_register_core(reg);
    LDG_ASSERT(ldg_chain_open(&chain, dir, reg, &g, false) == LDG_OK);
    atexit(cleanup);
    return chain;
}

static void same_bytes(const ldg_enc *e, const uint8_t *data, size_t size)
{
    LDG_ASSERT(ldg_enc_len(e) == size && memcmp(ldg_enc_data(e), data, size) == 0);
}

/* ---- consensus ---- */

static bool cb_sign(void *ctx, uint8_t sig[NET_CONS_SIG_LEN], const uint8_t *msg, size_t len)
{
    (void)ctx, (void)msg, (void)len;
    memset(sig, 0x5a, NET_CONS_SIG_LEN);
    return true;
}

static bool cb_verify(void *ctx, const uint8_t pk[NET_CONS_PUBKEY_LEN], const uint8_t *msg,
                      size_t len, const uint8_t sig[NET_CONS_SIG_LEN])
{
    (void)ctx, (void)pk, (void)msg, (void)len, (void)sig;
    return true;
}

static const uint8_t vals[4][NET_CONS_PUBKEY_LEN] = {{1}, {2}, {3}, {4}};

static net_cons *core_new(void)
{
    net_cons_config cfg = {.chain_id_len = 10,
                           .crypto = {.sign = cb_sign, .verify = cb_verify},
                           .propose_base_ms = 1000,
                           .prevote_base_ms = 1000,
                           .precommit_base_ms = 1000};
    memcpy(cfg.chain_id, "folio-fuzz", 10);
    memcpy(cfg.self_pubkey, vals[0], NET_CONS_PUBKEY_LEN);
    net_cons *c = net_cons_create(&cfg);
    LDG_ASSERT(c);
    static net_cons_actions acts;
    net_cons_event ev = {
        .kind = NET_CONS_EV_START_HEIGHT, .height = 1, .validators = vals, .validator_count = 4};
    (void)net_cons_step(c, &acts, &ev);
    return c;
}

static void check_cons(const net_p2p_msg *m, const uint8_t *data, size_t size)
{
    LDG_ASSERT(m->digest_count <= NET_P2P_DIGESTS_MAX);
    ldg_hash *d = malloc((m->digest_count ? m->digest_count : 1) * sizeof *d);
    LDG_ASSERT(d);
    for (uint32_t i = 0; i < m->digest_count; i++)
        memcpy(d[i].b, m->digests[i], LDG_HASH_LEN);
    ldg_enc e;
    ldg_enc_init(&e);
    net_p2p_enc_cons(&e, &m->cons, m->has_block ? &m->header : NULL, d, m->digest_count);
    same_bytes(&e, data, size);
    ldg_enc_free(&e);
    free(d);
}

static void fuzz_cons(const uint8_t *data, size_t size)
{
    net_cons *core = core_new();
    static net_cons_actions acts;
    for (int k = 0; k < 8 && size >= 2; k++) {
        size_t n = (size_t)data[0] << 8 | data[1];
        data += 2, size -= 2;
        if (n > size)
            n = size;
        net_p2p_msg m;
        if (net_p2p_decode(&m, data, n, NET_P2P_CONS_SIZE_MAX) == LDG_OK) {
            if (m.kind == NET_P2P_CONS) {
                check_cons(&m, data, n);
                net_cons_event ev = {.kind = NET_CONS_EV_MESSAGE, .msg = m.cons};
                (void)net_cons_step(core, &acts, &ev);
            }
            net_p2p_msg_free(&m);
        }
        data += n, size -= n;
    }
    net_cons_destroy(core);
}

/* ---- batches ---- */

static void check_txs(const net_p2p_msg *m)
{
    LDG_ASSERT(m->tx_count <= NET_P2P_BATCH_TX_MAX);
    ldg_tx_ref *refs = malloc((m->tx_count ? m->tx_count : 1) * sizeof *refs);
    LDG_ASSERT(refs);
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->tx_count; i++) {
        ldg_tx tx;
        if (ldg_tx_decode(&tx, m->txs[i], m->tx_lens[i]) != LDG_R_OK)
            continue;
        refs[n++] = ldg_tx_ref_of(&tx);
        ldg_tx_free(&tx);
    }
    ldg_hash digest;
    net_p2p_batch_digest(&digest, refs, n);
    free(refs);
}

static void fuzz_batch(const uint8_t *data, size_t size, size_t max)
{
    net_p2p_msg m;
    if (net_p2p_decode(&m, data, size, max) != LDG_OK)
        return;
    ldg_enc e;
    ldg_enc_init(&e);
    if (m.kind == NET_P2P_BATCH) {
        check_txs(&m);
        net_p2p_enc_batch(&e, m.origin, m.txs, m.tx_lens, m.tx_count);
        same_bytes(&e, data, size);
    } else if (m.kind == NET_P2P_BATCH_REP) {
        check_txs(&m);
        net_p2p_enc_batch_rep(&e, &m.digest, m.txs, m.tx_lens, m.tx_count);
        same_bytes(&e, data, size);
    }
    ldg_enc_free(&e);
    net_p2p_msg_free(&m);
}

/* ---- block sync ---- */

static void fuzz_sync_req(const uint8_t *data, size_t size)
{
    net_p2p_msg m;
    if (net_p2p_decode(&m, data, size, NET_P2P_SYNC_REQ_SIZE_MAX) != LDG_OK)
        return;
    ldg_enc e;
    ldg_enc_init(&e);
    if (m.kind == NET_P2P_SYNC_REQ) {
        net_p2p_enc_sync_req(&e, m.from_height, m.max_blocks);
        same_bytes(&e, data, size);
        ldg_enc_reset(&e);
        net_sync_reply(get_chain(), &m, &e);
        LDG_ASSERT(ldg_enc_len(&e) <= NET_P2P_SYNC_SIZE_MAX);
    } else if (m.kind == NET_P2P_BATCH_REQ) {
        net_p2p_enc_batch_req(&e, &m.digest);
        same_bytes(&e, data, size);
    }
    ldg_enc_free(&e);
    net_p2p_msg_free(&m);
}

static void apply_record(const uint8_t *rec, size_t len)
{
    net_sync_block b;
    if (net_sync_decode(&b, rec, len) != LDG_OK)
        return;
    LDG_ASSERT(b.tx_count == b.header.tx_count && b.tx_count <= LDG_BLOCK_TX_MAX);
    char why[256];
    ldg_err err = net_sync_apply(get_chain(), &b, false, LDG_COMMIT_SYNCED, why, sizeof why);
    LDG_ASSERT(err != LDG_OK); /* no certificate verifies against this chain's validator */
    net_sync_block_free(&b);
}

static void fuzz_sync_rep(const uint8_t *data, size_t size, size_t max, uint8_t want)
{
    net_p2p_msg m;
    if (net_p2p_decode(&m, data, size, max) != LDG_OK)
        return;
    if (m.kind == want) {
        LDG_ASSERT(m.rec_count <= NET_P2P_SYNC_BLOCKS_MAX);
        for (uint32_t i = 0; i < m.rec_count; i++)
            apply_record(m.recs[i], m.rec_lens[i]);
        if (m.kind == NET_P2P_COMMIT) {
            LDG_ASSERT(m.rec_count == 1);
            ldg_enc e;
            ldg_enc_init(&e);
            net_p2p_enc_commit(&e, m.recs[0], m.rec_lens[0]);
            same_bytes(&e, data, size);
            ldg_enc_free(&e);
        }
    }
    net_p2p_msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 6) {
    case 0:
        fuzz_cons(p, n);
        break;
    case 1:
        fuzz_batch(p, n, NET_P2P_BATCH_SIZE_MAX + 64 * 1024);
        break;
    case 2:
        fuzz_sync_req(p, n);
        break;
    case 3: /* the sync client's socket also carries BATCH_REP */
        fuzz_sync_rep(p, n, NET_P2P_SYNC_SIZE_MAX, NET_P2P_SYNC_REP);
        fuzz_batch(p, n, NET_P2P_SYNC_SIZE_MAX);
        break;
    case 4:
        fuzz_sync_rep(p, n, NET_P2P_RECORD_SIZE_MAX + 64, NET_P2P_COMMIT);
        break;
    default:
        apply_record(p, n);
        break;
    }
    return 0;
}

/* ---- seeds: one valid message per kind ---- */

static size_t put(uint8_t *out, size_t cap, uint8_t sel, const ldg_enc *e, bool framed)
{
    size_t n = ldg_enc_len(e), need = 1 + (framed ? 2 : 0) + n;
    if (need > cap)
        return 0;
    out[0] = sel;
    size_t at = 1;
    if (framed) {
        out[1] = (uint8_t)(n >> 8), out[2] = (uint8_t)n;
        at = 3;
    }
    memcpy(out + at, ldg_enc_data(e), n);
    return need;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    ldg_enc e;
    ldg_enc_init(&e);
    size_t n = 0;
    net_cons_msg vote = {.type = NET_CONS_PREVOTE, .validator = 1, .valid_round = -1, .height = 1};
    ldg_hash digest = {{7}};
    static const uint8_t tx[] = {0x93, 0x01, 0x02, 0x03};
    const uint8_t *txs[1] = {tx};
    size_t lens[1] = {sizeof tx};
    ldg_record r;
    switch (index) {
    case 0:
        net_p2p_enc_cons(&e, &vote, NULL, NULL, 0);
        n = put(out, cap, 0, &e, true);
        break;
    case 1: {
        ldg_header h = {.version = LDG_BLOCK_VERSION, .height = 1, .time_ms = 1700000000001ULL};
        snprintf(h.chain_id, sizeof h.chain_id, "folio-fuzz");
        net_cons_msg prop = {.type = NET_CONS_PROPOSAL,
                             .has_block = true,
                             .validator = 1,
                             .valid_round = -1,
                             .height = 1};
        ldg_hash id;
        ldg_header_hash(&id, &h);
        memcpy(prop.block.b, id.b, NET_CONS_BLOCK_ID_LEN);
        net_p2p_enc_cons(&e, &prop, &h, &digest, 1);
        n = put(out, cap, 0, &e, true);
        break;
    }
    case 2:
        net_p2p_enc_batch(&e, 3, txs, lens, 1);
        n = put(out, cap, 1, &e, false);
        break;
    case 3:
        net_p2p_enc_sync_req(&e, 0, 4);
        n = put(out, cap, 2, &e, false);
        break;
    case 4:
        net_p2p_enc_batch_req(&e, &digest);
        n = put(out, cap, 2, &e, false);
        break;
    case 5:
    case 6:
    case 7:
        if (ldg_chain_read_block(get_chain(), 0, &r) != LDG_OK)
            break;
        if (index == 5) {
            net_p2p_enc_sync_rep_head(&e, 0, 1);
            ldg_enc_bin(&e, r.raw, r.raw_len);
            n = put(out, cap, 3, &e, false);
        } else if (index == 6) {
            net_p2p_enc_commit(&e, r.raw, r.raw_len);
            n = put(out, cap, 4, &e, false);
        } else {
            ldg_enc_raw(&e, r.raw, r.raw_len);
            n = put(out, cap, 5, &e, false);
        }
        ldg_record_free(&r);
        break;
    case 8:
        net_p2p_enc_batch_rep(&e, &digest, txs, lens, 1);
        n = put(out, cap, 3, &e, false);
        break;
    default:
        break;
    }
    ldg_enc_free(&e);
    return n;
}
