/* libFuzzer target for the block decoders: the header (ldg_header_decode), the commit
 * certificate (ldg_cert_decode) and the stored block record (ldg_chain_read_block, through
 * a real chain in a temporary directory). The first input byte picks the decoder.
 *
 * Properties checked on every input that decodes:
 * - a header or certificate re-encodes to exactly its input bytes;
 * - header limits hold (version 1, tx_count <= LDG_BLOCK_TX_MAX, chain id 1..32 bytes);
 * - a certificate holds at most LDG_VALIDATORS_MAX signatures with indexes below it, and
 *   verifying it against a validator set runs without fault;
 * - a record's transaction and receipt counts equal its header's tx_count, each
 *   transaction is within LDG_TX_SIZE_MAX, and it is freed without leaks. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldg_chain.h"

static char dir[] = "/tmp/folio-fuzz-block-XXXXXX";
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

static void fuzz_header(const uint8_t *data, size_t size)
{
    ldg_header h;
    if (ldg_header_decode(&h, data, size) != LDG_OK)
        return;
    LDG_ASSERT(h.version == LDG_BLOCK_VERSION && h.tx_count <= LDG_BLOCK_TX_MAX);
    LDG_ASSERT(strlen(h.chain_id) >= 1 && strlen(h.chain_id) <= LDG_CHAIN_ID_LEN_MAX);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_header_encode(&e, &h);
    LDG_ASSERT(ldg_enc_len(&e) == size && memcmp(ldg_enc_data(&e), data, size) == 0);
    ldg_enc_free(&e);
    ldg_hash hash;
    ldg_header_hash(&hash, &h);
}

static void fuzz_cert(const uint8_t *data, size_t size)
{
    ldg_dec d;
    if (ldg_decode(&d, data, size) != LDG_OK)
        return;
    static ldg_cert c;
    if (ldg_cert_decode(&c, d.root) == LDG_OK) {
        LDG_ASSERT(c.count <= LDG_VALIDATORS_MAX);
        for (uint32_t i = 0; i < c.count; i++)
            LDG_ASSERT(c.sigs[i].validator < LDG_VALIDATORS_MAX);
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_cert_encode(&e, &c);
        LDG_ASSERT(ldg_enc_len(&e) == size && memcmp(ldg_enc_data(&e), data, size) == 0);
        ldg_enc_free(&e);
        static ldg_pubkey vals[4];
        memset(vals, 0x11, sizeof vals);
        (void)ldg_cert_verify(&c, "folio-fuzz", vals, 4);
    }
    ldg_dec_free(&d);
}

static void fuzz_record(const uint8_t *data, size_t size)
{
    ldg_chain *c = get_chain();
    const uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 9};
    ldg_batch *b = ldg_batch_new(ldg_chain_store(c));
    ldg_batch_put(b, LDG_CF_BLOCKS, key, sizeof key, data, size);
    LDG_ASSERT(ldg_store_write(ldg_chain_store(c), b, false) == LDG_OK);
    ldg_batch_free(b);
    ldg_record r;
    if (ldg_chain_read_block(c, 9, &r) != LDG_OK)
        return;
    LDG_ASSERT(r.tx_count == r.header.tx_count && r.tx_count <= LDG_BLOCK_TX_MAX);
    for (uint32_t i = 0; i < r.tx_count; i++)
        LDG_ASSERT(r.tx_lens[i] <= LDG_TX_SIZE_MAX && (r.tx_lens[i] == 0 || r.txs[i]));
    for (uint32_t i = 0; i < r.tx_count; i++)
        LDG_ASSERT(r.receipts[i].data_len <= sizeof r.receipts[i].data);
    ldg_hash h;
    ldg_header_hash(&h, &r.header);
    LDG_ASSERT(memcmp(h.b, r.hash.b, LDG_HASH_LEN) == 0);
    ldg_record_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0:
        fuzz_header(data + 1, size - 1);
        break;
    case 1:
        fuzz_cert(data + 1, size - 1);
        break;
    default:
        fuzz_record(data + 1, size - 1);
    }
    return 0;
}

static size_t emit(uint8_t *out, size_t cap, uint8_t mode, const uint8_t *p, size_t n)
{
    if (n + 1 > cap)
        return 0;
    out[0] = mode;
    memcpy(out + 1, p, n);
    return n + 1;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    ldg_header h = {
        .version = LDG_BLOCK_VERSION, .height = 7, .time_ms = 1700000001000ULL, .tx_count = 2};
    snprintf(h.chain_id, sizeof h.chain_id, "folio-fuzz");
    memset(h.prev_hash.b, 0xaa, LDG_HASH_LEN);
    memset(h.tx_root.b, 0xbb, LDG_HASH_LEN);
    ldg_enc e;
    ldg_enc_init(&e);
    size_t n = 0;
    if (index == 0) {
        ldg_header_encode(&e, &h);
        n = emit(out, cap, 0, ldg_enc_data(&e), ldg_enc_len(&e));
    } else if (index == 1) {
        static ldg_cert c;
        c.height = 7;
        c.round = 1;
        c.count = 3;
        for (uint32_t i = 0; i < 3; i++)
            c.sigs[i].validator = i;
        ldg_cert_encode(&e, &c);
        n = emit(out, cap, 1, ldg_enc_data(&e), ldg_enc_len(&e));
    } else if (index == 2) {
        /* A stored record with two transactions and receipts. */
        ldg_enc_array(&e, 6);
        ldg_enc he;
        ldg_enc_init(&he);
        ldg_header_encode(&he, &h);
        ldg_enc_bin(&e, ldg_enc_data(&he), ldg_enc_len(&he));
        ldg_enc_free(&he);
        ldg_enc_array(&e, 2);
        ldg_enc_bin(&e, "\x92\x90\x90", 3);
        ldg_enc_bin(&e, "", 0);
        static ldg_cert c;
        c.height = 7;
        c.count = 1;
        ldg_cert_encode(&e, &c);
        ldg_enc_array(&e, 2);
        for (int i = 0; i < 2; i++) {
            ldg_enc_array(&e, 3);
            ldg_enc_u64(&e, i ? 205 : 0);
            ldg_enc_str(&e, i ? "holds 1 of X, needs 2" : "");
            ldg_enc_bin(&e, "01234567890123456789", i ? 0 : 20);
        }
        ldg_enc_bin(&e, h.tx_root.b, LDG_HASH_LEN);
        ldg_enc_bin(&e, "", 0);
        n = emit(out, cap, 2, ldg_enc_data(&e), ldg_enc_len(&e));
    } else if (index == 3) {
        /* The chain's own genesis record (block 0). */
        ldg_record r;
        LDG_ASSERT(ldg_chain_read_block(get_chain(), 0, &r) == LDG_OK);
        n = emit(out, cap, 2, r.raw, r.raw_len);
        ldg_record_free(&r);
    }
    ldg_enc_free(&e);
    return n;
}
