/* A consortium member gone bad, for tests/e2e/cluster.sh, tls.sh and hostile_peer.sh:
 * connects to a validator's bus socket over tls+tcp with a valid consortium certificate
 * (so it passes TLS), sends one message (two for resigned), and reports whether the
 * validator then closed the connection.
 *
 *   p2p_peer CA CERT KEY HOST:PORT MODE [HOME [KEYNAME]]
 *
 * garbage: bytes that are not a p2p message (on the consensus bus);
 * badsig: a well-formed prevote of validator 1 whose signature is wrong (consensus bus);
 * badbatch: a well-formed BATCH message whose transaction does not decode (batch bus);
 * resigned: a BATCH of two fresh, validly signed transactions for the chain of node home
 * HOME (its config's chain id and genesis.bin's hash), then at once a BATCH of the same
 * two with the second's signature corrupted: the same ids as the transactions the
 * validator has just pooled (batch bus);
 * vote: a prevote of validator 1 for nil at height 1 (long decided: a validator drops it
 * quietly), with a signature of junk (consensus bus);
 * propose2: a proposal (without block) of validator 2 at height 1, likewise (consensus bus);
 * batch (or good), batch2: a BATCH of two fresh, validly signed transactions for the chain
 * of HOME, in the name of node 1 or node 2 (batch bus);
 * unregistered, wrongchain, farexpiry, maxexpiry, unknowntype: a BATCH (node 1) of a good
 * transaction then one that admission must refuse: signed by a fresh key no participant
 * holds, for chain "other-chain", expiring in ten years, expiring at 2^64-1, of type 250
 * (no handler);
 * connect: sends nothing.
 * Transactions are signed by HOME/keys/KEYNAME if KEYNAME is given (a registered sender),
 * else by a fresh key (an unregistered sender). Every mode that sends transactions prints
 * "id HEX" for each. With P2P_PEER_SIGN_ID set, transactions are signed over their bare
 * id, as nodes did before signatures bound the chain's genesis (to run a test against an
 * old release).
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

/* Who signs, for which chain (HOME's), from HOME/keys/KEYNAME or a fresh key. */
typedef struct signer {
    ldg_keypair kp;
    ldg_keypair stranger; /* a fresh key no participant holds */
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
    ldg_hash genesis;
} signer;

static bool signer_load(signer *sg, const char *home, const char *keyname)
{
    static net_config cfg;
    static ldg_genesis g;
    char err[256];
    if (net_config_load(home, &cfg, err, sizeof err) != LDG_OK ||
        net_genesis_load(home, &g) != LDG_OK) {
        fprintf(stderr, "p2p_peer: cannot read the home %s\n", home);
        return false;
    }
    snprintf(sg->chain_id, sizeof sg->chain_id, "%s", cfg.chain_id);
    ldg_genesis_hash(&sg->genesis, &g);
    if (ldg_keypair_generate(&sg->stranger) != LDG_OK)
        return false;
    if (!keyname) {
        sg->kp = sg->stranger;
        return true;
    }
    if (net_key_load(home, keyname, &sg->kp) != LDG_OK) {
        fprintf(stderr, "p2p_peer: no key %s in %s\n", keyname, home);
        return false;
    }
    return true;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A fresh transaction (payload [seq]; type 11, a transfer: it fails at execution, which is
 * enough to be committed); prints its id. NULL on failure. */
static uint8_t *make_tx(size_t *len, const signer *sg, const char *chain_id, uint64_t type,
                        const ldg_keypair *kp, uint64_t expiry_ms, uint64_t seq)
{
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 1);
    ldg_enc_u64(&p, seq);
    ldg_hash id;
    uint8_t *w = ldg_tx_build(len, &id, chain_id, &sg->genesis, type, kp, expiry_ms,
                              ldg_enc_data(&p), ldg_enc_len(&p), false);
    ldg_enc_free(&p);
    if (!w)
        return NULL;
    /* A node from before signatures bound the genesis (tests run the old release to show
     * that their checks fail there) verifies a signature over the bare id. */
    ldg_sig sig;
    if (getenv("P2P_PEER_SIGN_ID")) {
        if (ldg_sign(&sig, kp, &id) != LDG_OK) {
            free(w);
            return NULL;
        }
        memcpy(w + *len - LDG_SIG_LEN, sig.b, LDG_SIG_LEN);
    }
    char hex[2 * LDG_HASH_LEN + 1];
    ldg_hex_encode(hex, id.b, LDG_HASH_LEN);
    printf("id %s\n", hex);
    fflush(stdout);
    return w;
}

/* Sends the BATCH of txs[0..2) (freed), in the name of node origin; with resign, then the
 * same with the second's signature broken. */
static int send_two(nng_socket s, uint64_t origin, uint8_t *txs[2], size_t lens[2], bool resign)
{
    int rv = txs[0] && txs[1] ? send_batch(s, origin, txs, lens, 2) : NNG_EINTERNAL;
    if (rv == 0 && resign) {
        txs[1][lens[1] - 1] ^= 1; /* the last byte of the signature */
        rv = send_batch(s, origin, txs, lens, 2);
    }
    free(txs[0]);
    free(txs[1]);
    return rv;
}

/* The resigned mode: a good batch, then the same transactions with one signature broken
 * (resign); the batch modes: the good batch only, in the name of node `origin`. */
static int send_valid(nng_socket s, const signer *sg, uint64_t origin, bool resign)
{
    uint64_t expiry_ms = now_ms() + 60 * 1000;
    uint8_t *txs[2];
    size_t lens[2];
    for (uint32_t i = 0; i < 2; i++)
        txs[i] = make_tx(&lens[i], sg, sg->chain_id, 11, &sg->kp, expiry_ms, i);
    return send_two(s, origin, txs, lens, resign);
}

/* A good transaction, then one admission refuses (see the modes above). */
static int send_inadmissible(nng_socket s, const signer *sg, const char *mode)
{
    uint64_t now = now_ms();
    const ldg_keypair *kp = &sg->kp;
    const char *chain = sg->chain_id;
    uint64_t type = 11, expiry = now + 60 * 1000;
    if (strcmp(mode, "unregistered") == 0)
        kp = &sg->stranger;
    else if (strcmp(mode, "wrongchain") == 0)
        chain = "other-chain";
    else if (strcmp(mode, "farexpiry") == 0)
        expiry = now + 10ULL * 365 * 24 * 3600 * 1000;
    else if (strcmp(mode, "maxexpiry") == 0)
        expiry = UINT64_MAX;
    else
        type = 250;
    uint8_t *txs[2];
    size_t lens[2];
    txs[0] = make_tx(&lens[0], sg, sg->chain_id, 11, &sg->kp, now + 60 * 1000, 0);
    txs[1] = make_tx(&lens[1], sg, chain, type, kp, expiry, 1);
    return send_two(s, 1, txs, lens, false);
}

static bool is_inadmissible_mode(const char *m)
{
    return !strcmp(m, "unregistered") || !strcmp(m, "wrongchain") || !strcmp(m, "farexpiry") ||
           !strcmp(m, "maxexpiry") || !strcmp(m, "unknowntype");
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc > 8) {
        fprintf(stderr, "usage: p2p_peer CA CERT KEY HOST:PORT garbage|badsig|badbatch|vote|"
                        "propose2|connect|resigned|batch|good|batch2|unregistered|wrongchain|"
                        "farexpiry|maxexpiry|unknowntype [HOME [KEYNAME]]\n");
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
               !strcmp(argv[5], "good") || !strcmp(argv[5], "batch2") ||
               is_inadmissible_mode(argv[5])) {
        signer sg;
        if (argc < 7) {
            fprintf(stderr, "p2p_peer: %s needs the HOME of a node of the chain\n", argv[5]);
            return 2;
        }
        if (!signer_load(&sg, argv[6], argc > 7 ? argv[7] : NULL))
            return 2;
        if (is_inadmissible_mode(argv[5]))
            rv = send_inadmissible(s, &sg, argv[5]);
        else
            rv = send_valid(s, &sg, !strcmp(argv[5], "batch2") ? 2 : 1, argv[5][0] == 'r');
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
