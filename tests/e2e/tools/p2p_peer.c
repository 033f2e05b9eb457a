/* A consortium member gone bad, for tests/e2e/cluster.sh: connects to a validator's bus
 * socket over tls+tcp with a valid consortium certificate (so it passes TLS), sends one
 * message (two for resigned), and reports whether the validator then closed the
 * connection.
 *
 *   p2p_peer CA CERT KEY HOST:PORT MODE [HOME]
 *
 * garbage: bytes that are not a p2p message (on the consensus bus);
 * badsig: a well-formed prevote of validator 1 whose signature is wrong (consensus bus);
 * badbatch: a well-formed BATCH message whose transaction does not decode (batch bus);
 * resigned: a BATCH of two fresh, validly signed transactions for the chain of node home
 * HOME (its config's chain id and genesis.bin's hash; their sender is not registered, so
 * they commit with a failure receipt),
 * then at once a BATCH of the same two with the second's signature corrupted: the same
 * ids as the transactions the validator has just pooled (batch bus). Prints "id HEX" for
 * each transaction.
 * vote: a prevote of validator 1 for nil at height 1 (long decided: a validator drops it
 * quietly), with a signature of junk (consensus bus);
 * propose2: a proposal (without block) of validator 2 at height 1, likewise (consensus bus);
 * batch, batch2: a BATCH of two fresh, validly signed transactions for the chain of HOME
 * (an unregistered sender), in the name of node 1 or node 2 (batch bus); prints their ids;
 * connect: sends nothing.
 * With P2P_PEER_SIGN_ID set, transactions are signed over their bare id, as nodes did
 * before signatures bound the chain's genesis (to run a test against an old release).
 * Exit 0: the validator closed the connection within 5 s (P2P_PEER_WAIT_S to change it);
 * 1: it did not; 2: could not connect. */
#include "ldg_codec.h"
#include "ldg_tx.h"
#include "net_home.h"
#include "net_p2p.h"
#include "net_tls.h"

#include <nng/nng.h>
#include <nng/protocol/bus0/bus.h>
#include <nng/supplemental/tls/tls.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int removed;

static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void)arg;
    if (getenv("P2P_PEER_DEBUG"))
        fprintf(stderr, "pipe %u event %d\n", nng_pipe_id(p), (int)ev);
    if (ev == NNG_PIPE_EV_REM_POST)
        atomic_store(&removed, 1);
}

static int send_batch(nng_socket s, uint64_t origin, uint8_t *const *txs, const size_t *lens,
                      uint32_t n)
{
    ldg_enc e;
    ldg_enc_init(&e);
    net_p2p_enc_batch(&e, origin, (const uint8_t *const *)txs, lens, n);
    int rv = nng_send(s, (void *)ldg_enc_data(&e), ldg_enc_len(&e), 0);
    ldg_enc_free(&e);
    return rv;
}

/* The resigned mode: a good batch, then the same transactions with one signature broken
 * (resign); the batch modes: the good batch only, in the name of node `origin`. */
static int send_valid(nng_socket s, const char *home, uint64_t origin, bool resign)
{
    ldg_keypair kp;
    if (ldg_keypair_generate(&kp) != LDG_OK)
        return NNG_EINTERNAL;
    static net_config cfg;
    static ldg_genesis g;
    char err[256];
    if (net_config_load(home, &cfg, err, sizeof err) != LDG_OK ||
        net_genesis_load(home, &g) != LDG_OK) {
        fprintf(stderr, "p2p_peer: cannot read the home %s\n", home);
        return NNG_EINVAL;
    }
    const char *chain_id = cfg.chain_id;
    ldg_hash genesis;
    ldg_genesis_hash(&genesis, &g);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t expiry_ms = (uint64_t)ts.tv_sec * 1000 + 60 * 1000;
    uint8_t *txs[2];
    size_t lens[2];
    for (uint32_t i = 0; i < 2; i++) {
        ldg_enc p;
        ldg_enc_init(&p);
        ldg_enc_array(&p, 1);
        ldg_enc_u64(&p, i);
        ldg_hash id;
        txs[i] = ldg_tx_build(&lens[i], &id, chain_id, &genesis, 11, &kp, expiry_ms,
                              ldg_enc_data(&p), ldg_enc_len(&p), false);
        ldg_enc_free(&p);
        ldg_sig sig;
        /* A node from before signatures bound the genesis (tests run the old release to
         * show that their checks fail there) verifies a signature over the bare id. */
        if (txs[i] && getenv("P2P_PEER_SIGN_ID")) {
            if (ldg_sign(&sig, &kp, &id) != LDG_OK)
                return NNG_EINTERNAL;
            memcpy(txs[i] + lens[i] - LDG_SIG_LEN, sig.b, LDG_SIG_LEN);
        }
        if (!txs[i]) {
            if (i)
                free(txs[0]);
            return NNG_EINTERNAL;
        }
        char hex[2 * LDG_HASH_LEN + 1];
        ldg_hex_encode(hex, id.b, LDG_HASH_LEN);
        printf("id %s\n", hex);
    }
    fflush(stdout);
    int rv = send_batch(s, origin, txs, lens, 2);
    if (rv == 0 && resign) {
        txs[1][lens[1] - 1] ^= 1; /* the last byte of the signature */
        rv = send_batch(s, origin, txs, lens, 2);
    }
    free(txs[0]);
    free(txs[1]);
    return rv;
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: p2p_peer CA CERT KEY HOST:PORT garbage|badsig|badbatch|vote|"
                        "propose2|connect|resigned|batch|batch2 [HOME]\n");
        return 2;
    }
    char url[300], err[256];
    snprintf(url, sizeof url, "tls+tcp://%s", argv[4]);
    nng_socket s;
    nng_dialer d;
    nng_tls_config *cfg;
    if (nng_bus0_open(&s) != 0 || nng_dialer_create(&d, s, url) != 0 ||
        net_tls_nng_config(&cfg, false, argv[1], argv[2], argv[3], "127.0.0.1", err, sizeof err) !=
            0 ||
        nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg) != 0) {
        fprintf(stderr, "p2p_peer: setup failed %s\n", err);
        return 2;
    }
    nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, on_pipe, NULL);
    nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, on_pipe, NULL);
    int rv = nng_dialer_start(d, 0);
    if (rv != 0) {
        fprintf(stderr, "p2p_peer: cannot connect to %s: %s\n", url, nng_strerror(rv));
        return 2;
    }
    for (int i = 0; i < 100; i++) { /* let the pipe settle on both sides, draining */
        nng_msg *m;
        while (nng_recvmsg(s, &m, NNG_FLAG_NONBLOCK) == 0)
            nng_msg_free(m);
        usleep(10 * 1000);
    }
    if (strcmp(argv[5], "garbage") == 0) {
        static const uint8_t junk[] = {0xc1, 0xff, 0x00, 0x13, 0x37, 0x42};
        rv = nng_send(s, (void *)junk, sizeof junk, 0);
    } else if (strcmp(argv[5], "badsig") == 0) {
        net_cons_msg m = {.type = NET_CONS_PREVOTE,
                          .validator = 1,
                          .round = 0,
                          .valid_round = -1,
                          .height = 1000000};
        memset(m.sig, 0x5a, sizeof m.sig);
        ldg_enc e;
        ldg_enc_init(&e);
        net_p2p_enc_cons(&e, &m, NULL, NULL, 0);
        rv = nng_send(s, (void *)ldg_enc_data(&e), ldg_enc_len(&e), 0);
        ldg_enc_free(&e);
    } else if (strcmp(argv[5], "vote") == 0 || strcmp(argv[5], "propose2") == 0) {
        bool prop = argv[5][0] == 'p';
        net_cons_msg m = {.type = prop ? NET_CONS_PROPOSAL : NET_CONS_PREVOTE,
                          .has_block = prop,
                          .validator = prop ? 2 : 1,
                          .valid_round = -1,
                          .height = 1};
        memset(m.block.b, prop ? 0x33 : 0, sizeof m.block.b);
        memset(m.sig, 0x5a, sizeof m.sig);
        ldg_enc e;
        ldg_enc_init(&e);
        net_p2p_enc_cons(&e, &m, NULL, NULL, 0);
        rv = nng_send(s, (void *)ldg_enc_data(&e), ldg_enc_len(&e), 0);
        ldg_enc_free(&e);
    } else if (strcmp(argv[5], "connect") == 0) {
        rv = 0;
    } else if (!strcmp(argv[5], "resigned") || !strcmp(argv[5], "batch") ||
               !strcmp(argv[5], "batch2")) {
        if (argc != 7) {
            fprintf(stderr, "p2p_peer: %s needs the HOME of a node of the chain\n", argv[5]);
            return 2;
        }
        rv = send_valid(s, argv[6], argv[5][5] == '2' ? 2 : 1, argv[5][0] == 'r');
    } else {
        static uint8_t bad_tx[] = {0x93, 0x01, 0x02}; /* not a transaction */
        uint8_t *txs[1] = {bad_tx};
        size_t lens[1] = {sizeof bad_tx};
        rv = send_batch(s, 1, txs, lens, 1);
    }
    if (rv != 0) {
        fprintf(stderr, "p2p_peer: send failed: %s\n", nng_strerror(rv));
        return 2;
    }
    /* Keep draining what the validator broadcasts to us: a full receive queue would stop
     * this side from reading the connection, and so from seeing it closed. */
    const char *ws = getenv("P2P_PEER_WAIT_S");
    int wait_s = ws ? atoi(ws) : 5;
    for (int i = 0; i < wait_s * 100 && !atomic_load(&removed); i++) {
        nng_msg *m;
        while (nng_recvmsg(s, &m, NNG_FLAG_NONBLOCK) == 0)
            nng_msg_free(m);
        usleep(10 * 1000);
    }
    int closed = atomic_load(&removed);
    printf("%s\n", closed ? "closed by the validator" : "still connected");
    nng_tls_config_free(cfg);
    nng_close(s);
    return closed ? 0 : 1;
}
