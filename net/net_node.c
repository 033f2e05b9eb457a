#include "net_node.h"
#include "net_bft.h"
#include "net_solo.h"
#include "ast_module.h"
#include "net_query_vm.h"
#include "net_rpc.h"
#include "stl_module.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

ldg_registry *net_registry_new(void)
{
    ldg_registry *r = ldg_registry_new();
    ldg_exec_register_core(r);
    ast_module_register(r);
    stl_module_register(r);
    net_vm_register(r);
    return r;
}

typedef struct rpc_worker {
    net_node *node;
    nng_socket sock;
    pthread_t thread;
} rpc_worker;

static void *rpc_worker_run(void *arg)
{
    rpc_worker *w = arg;
    nng_ctx ctx;
    nng_aio *aio;
    LDG_ASSERT(nng_ctx_open(&ctx, w->sock) == 0);
    LDG_ASSERT(nng_aio_alloc(&aio, NULL, NULL) == 0);
    nng_aio_set_timeout(aio, 200);
    while (!atomic_load(&w->node->stopping)) {
        nng_ctx_recv(ctx, aio);
        nng_aio_wait(aio);
        int rv = nng_aio_result(aio);
        if (rv == NNG_ETIMEDOUT)
            continue;
        if (rv != 0)
            break;
        nng_msg *msg = nng_aio_get_msg(aio);
        int status = 0;
        char *json = net_rpc_dispatch(w->node, nng_msg_body(msg), nng_msg_len(msg), &status);
        ldg_enc e;
        ldg_enc_init(&e);
        net_rpc_reply(&e, status, json);
        free(json);
        nng_msg_clear(msg);
        nng_msg_append(msg, ldg_enc_data(&e), ldg_enc_len(&e));
        ldg_enc_free(&e);
        nng_aio_set_msg(aio, msg);
        nng_ctx_send(ctx, aio);
        nng_aio_wait(aio);
        if (nng_aio_result(aio) != 0)
            nng_msg_free(msg);
    }
    nng_aio_free(aio);
    nng_ctx_close(ctx);
    return NULL;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

static int setup(net_node *n, const net_node_opts *opts, char *err, size_t err_len)
{
    snprintf(n->home, sizeof n->home, "%s", opts->home);
    n->dev = opts->dev;
    if (net_config_load(n->home, &n->cfg, err, err_len) != LDG_OK)
        return 1;
    ldg_genesis g;
    if (net_genesis_load(n->home, &g) != LDG_OK) {
        snprintf(err, err_len, "%s/genesis.bin is missing or corrupt", n->home);
        return 1;
    }
    n->validator_index = -1;
    if (net_key_load(n->home, n->cfg.validator_key, &n->validator) == LDG_OK)
        for (uint32_t i = 0; i < g.validator_count; i++)
            if (!memcmp(g.validators[i].b, n->validator.pub.b, LDG_PUBKEY_LEN))
                n->validator_index = (int)i;
    n->reg = net_registry_new();
    char db[NET_PATH_MAX];
    net_home_path(db, n->home, "data");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ldg_err e = ldg_chain_open(&n->chain, db, n->reg, &g, false);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (e != LDG_OK) {
        snprintf(err, err_len,
                 "cannot open the chain store in %s: %s (is another node running on this home?)",
                 db, ldg_err_str(e));
        return 1;
    }
    if (strcmp(ldg_chain_id(n->chain), g.chain_id) != 0) {
        snprintf(err, err_len, "the store holds chain %s but genesis.bin is for %s",
                 ldg_chain_id(n->chain), g.chain_id);
        return 1;
    }
    fprintf(stderr, "folio: chain store opened at height %llu in %lld ms\n",
            (unsigned long long)ldg_chain_tip(n->chain).height,
            (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
    ldg_chain_set_verify_threads(n->chain, (unsigned)n->cfg.verify_threads);
    n->pool = net_pool_new(LDG_MEMPOOL_TX_MAX);
    n->admit = net_admit_new(n->chain, n->reg, &n->time_offset_ms);
    net_admit_set_pool(n->admit, net_pool_probe, n->pool);
    return 0;
}

static void write_pid(const char *home)
{
    char path[NET_PATH_MAX];
    net_home_path(path, home, "node.pid");
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
}

int net_node_run(const net_node_opts *opts, char *err, size_t err_len)
{
    net_node *n = calloc(1, sizeof *n);
    LDG_ASSERT(n);
    int rc = setup(n, opts, err, err_len);
    nng_socket sock = NNG_SOCKET_INITIALIZER;
    rpc_worker *workers = NULL;
    pthread_t solo;
    bool solo_started = false;
    if (rc == 0) {
        int rv = nng_rep0_open(&sock);
        if (rv == 0) {
            nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, LDG_RPC_MSG_SIZE_MAX);
            rv = nng_listen(sock, n->cfg.rpc_url, NULL, 0);
        }
        if (rv != 0) {
            snprintf(err, err_len, "cannot listen on %s: %s", n->cfg.rpc_url, nng_strerror(rv));
            rc = 1;
        }
    }
    if (rc == 0) {
        n->observer = opts->observer;
        ldg_pubkey *vals = malloc(LDG_VALIDATORS_MAX * sizeof *vals);
        LDG_ASSERT(vals);
        n->multi = ldg_chain_validators(n->chain, vals, LDG_VALIDATORS_MAX) > 1 || opts->observer;
        free(vals);
        if (n->multi)
            rc = net_bft_start(n, err, err_len);
    }
    if (rc == 0) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);
        write_pid(n->home);
        LDG_ASSERT(pthread_create(&solo, NULL, n->multi ? net_bft_run : net_solo_run, n) == 0);
        solo_started = true;
        workers = calloc((size_t)n->cfg.rpc_threads, sizeof *workers);
        LDG_ASSERT(workers);
        for (int i = 0; i < n->cfg.rpc_threads; i++) {
            workers[i] = (rpc_worker){.node = n, .sock = sock};
            LDG_ASSERT(pthread_create(&workers[i].thread, NULL, rpc_worker_run, &workers[i]) == 0);
        }
        ldg_tip tip = ldg_chain_tip(n->chain);
        fprintf(stderr, "folio: node serving %s on %s at height %llu%s\n", ldg_chain_id(n->chain),
                n->cfg.rpc_url, (unsigned long long)tip.height, n->dev ? " (dev mode)" : "");
        if (opts->ready_fd >= 0) {
            char ok = 1;
            if (write(opts->ready_fd, &ok, 1) != 1)
                fprintf(stderr, "folio: could not signal readiness\n");
            close(opts->ready_fd);
        }
        while (!atomic_load(&n->stopping) && !got_signal)
            usleep(50 * 1000);
        atomic_store(&n->stopping, true);
        net_pool_wake(n->pool);
    }
    if (workers) {
        for (int i = 0; i < n->cfg.rpc_threads; i++)
            pthread_join(workers[i].thread, NULL);
        free(workers);
    }
    if (solo_started)
        pthread_join(solo, NULL);
    if (n->multi)
        net_bft_stop(n);
    nng_close(sock);
    if (n->fatal[0]) {
        snprintf(err, err_len, "%s", n->fatal);
        rc = 1;
    }
    if (n->chain) {
        ldg_chain_close(n->chain);
        char path[NET_PATH_MAX];
        net_home_path(path, n->home, "node.pid");
        unlink(path);
        if (rc == 0)
            fprintf(stderr, "folio: node stopped cleanly\n");
    }
    net_pool_free(n->pool);
    ldg_registry_free(n->reg);
    net_admit_free(n->admit);
    explicit_bzero(&n->validator, sizeof n->validator);
    free(n);
    return rc;
}
