/* A registered participant gone bad, for tests/e2e/hostile_reply.sh: writes one `submit`
 * request holding one validly signed transaction whose payload is ARRAYS empty arrays (issue
 * 12 item 6: 65,000 of them make a 64 KiB transaction that once cost ~8.5 MB of JSON in
 * every `block` reply). The signature is made by the ledger's own ldg_tx_build, so the
 * transaction is exactly what a client of this build would send.
 *
 *   tx_forge HOME KEYNAME CHAIN_ID TYPE ARRAYS EXPIRY_MS COUNT OUT
 *
 * Prints "id HEX" for each and "bytes N" (one transaction's size); OUT receives the request
 * ["submit", wire...] of COUNT transactions (msgpack), so that they land in one block.
 * Exit 0 on success, 2 on bad arguments or a key that does not load. */
#include "ldg_chain.h"
#include "ldg_codec.h"
#include "ldg_tx.h"
#include "net_home.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: tx_forge HOME KEYNAME CHAIN_ID TYPE ARRAYS EXPIRY_MS COUNT OUT\n");
        return 2;
    }
    ldg_keypair kp;
    if (net_key_load(argv[1], argv[2], &kp) != LDG_OK) {
        fprintf(stderr, "tx_forge: cannot load key %s from %s\n", argv[2], argv[1]);
        return 2;
    }
    /* What a transaction signs binds the chain's genesis (transactions.md): HOME's. */
    ldg_genesis *g = malloc(sizeof *g);
    ldg_hash genesis;
    if (!g || net_genesis_load(argv[1], g) != LDG_OK) {
        fprintf(stderr, "tx_forge: cannot read %s/genesis.bin\n", argv[1]);
        return 2;
    }
    ldg_genesis_hash(&genesis, g);
    free(g);
    uint64_t type = strtoull(argv[4], NULL, 10), expiry = strtoull(argv[6], NULL, 10);
    uint32_t arrays = (uint32_t)strtoul(argv[5], NULL, 10);
    uint32_t count = (uint32_t)strtoul(argv[7], NULL, 10);
    if (count == 0 || count > 1024)
        return 2;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, arrays);
    for (uint32_t i = 0; i < arrays; i++)
        ldg_enc_array(&p, 0);
    ldg_enc req;
    ldg_enc_init(&req);
    ldg_enc_array(&req, 1 + count);
    ldg_enc_str(&req, "submit");
    size_t len = 0;
    for (uint32_t i = 0; i < count; i++) {
        ldg_hash id;
        uint8_t *wire = ldg_tx_build(&len, &id, argv[3], &genesis, type, &kp, expiry + i,
                                     ldg_enc_data(&p), ldg_enc_len(&p), false);
        if (!wire) {
            fprintf(stderr, "tx_forge: ldg_tx_build failed\n");
            return 2;
        }
        ldg_enc_bin(&req, wire, len);
        free(wire);
        char hex[2 * LDG_HASH_LEN + 1];
        ldg_hex_encode(hex, id.b, LDG_HASH_LEN);
        printf("id %s\n", hex);
    }
    ldg_enc_free(&p);
    FILE *f = fopen(argv[8], "wb");
    if (!f || fwrite(ldg_enc_data(&req), 1, ldg_enc_len(&req), f) != ldg_enc_len(&req) ||
        fclose(f) != 0) {
        fprintf(stderr, "tx_forge: cannot write %s\n", argv[8]);
        return 2;
    }
    printf("bytes %zu\n", len);
    ldg_enc_free(&req);
    return 0;
}
