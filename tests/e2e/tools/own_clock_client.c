/* A client that follows the spec to the letter (transactions.md §2, limits.md CLI_TX_TTL_MS):
 * the expiry of what it signs is its own wall clock + CLI_TX_TTL_MS, whatever the node
 * says its time is (the folio CLI also looks at the node's tip time). Used by
 * tests/e2e/hostile_clock.sh.
 *
 *   own_clock_client HOME NAME
 *
 * Signs, with HOME's operator key, the registration of a participant NAME (role investor,
 * a fresh key) and submits it to HOME's node. Prints the transaction id and the node's
 * reply; exits 0 if the node admitted it, 1 if it refused it (the reply names the code),
 * 2 on any other failure. */
#include "ldg_codec.h"
#include "ldg_exec.h"
#include "ldg_hash.h"
#include "ldg_tx.h"
#include "net_home.h"
#include "net_rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: own_clock_client HOME NAME\n");
        return 2;
    }
    char err[256];
    net_config cfg;
    ldg_keypair op, kp;
    static ldg_genesis g;
    if (net_config_load(argv[1], &cfg, err, sizeof err) != LDG_OK ||
        net_genesis_load(argv[1], &g) != LDG_OK ||
        net_key_load(argv[1], "operator", &op) != LDG_OK || ldg_keypair_generate(&kp) != LDG_OK) {
        fprintf(stderr, "own_clock_client: cannot load %s: %s\n", argv[1], err);
        return 2;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t expiry = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + CLI_TX_TTL_MS;
    ldg_enc p, e;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, argv[2]);
    ldg_enc_u64(&p, LDG_ROLE_INVESTOR);
    ldg_enc_bin(&p, kp.pub.b, LDG_PUBKEY_LEN);
    size_t len;
    ldg_hash id, genesis;
    ldg_genesis_hash(&genesis, &g);
    uint8_t *wire = ldg_tx_build(&len, &id, cfg.chain_id, &genesis, LDG_TX_PARTICIPANT_REGISTER,
                                 &op, expiry, ldg_enc_data(&p), ldg_enc_len(&p), false);
    ldg_enc_free(&p);
    if (!wire)
        return 2;
    char hex[2 * LDG_HASH_LEN + 1];
    ldg_hex_encode(hex, id.b, LDG_HASH_LEN);
    printf("id %s\n", hex);
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "submit");
    ldg_enc_bin(&e, wire, len);
    free(wire);
    net_client *c;
    int status = -1;
    char *json = NULL;
    int rc = 2;
    if (net_client_open(&c, cfg.rpc_url, 10000, err, sizeof err) == LDG_OK) {
        if (net_client_call(c, &e, &status, &json) == LDG_OK && status == 0 && json) {
            printf("%s\n", json);
            rc = strstr(json, "\"accepted\": 1") || strstr(json, "\"accepted\":1") ? 0 : 1;
        }
        net_client_close(c);
    } else {
        fprintf(stderr, "own_clock_client: %s\n", err);
    }
    free(json);
    ldg_enc_free(&e);
    return rc;
}
