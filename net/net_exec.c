#include "net_exec.h"
#include "net_log.h"
#include "net_metrics.h"
#include "net_p2p.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct net_exec {
    net_node *n;
    net_pool *pool;
    nng_socket pub;
    net_inbox *wake;
    pthread_t th;
    /* Shared with the consensus thread under lock. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    _Atomic bool busy;       /* a job in hand (set by consensus, cleared by the executor) */
    _Atomic bool committing; /* that job is a decided block: not yet in the store */
    bool quit;
    net_blk job;    /* the block being executed (moved or copied out of the block cache) */
    ldg_cert *cert; /* NULL: speculative execution of a valid proposal, not decided */
    uint64_t start; /* when its height started, for last_commit_ms */
    /* The result of the last speculative execution (executor thread, or the consensus
     * thread while the executor is idle). */
    bool spec_valid;
    net_cons_block_id spec_id;
    ldg_exec_out spec_out;
    ldg_enc enc;
    uint64_t test_diverge_at; /* FOLIO_TEST_DIVERGE_AT: store a wrong state root there */
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void publish(net_exec *x, uint64_t height)
{
    ldg_record r;
    if (ldg_chain_read_block(x->n->chain, height, &r) != LDG_OK)
        return;
    ldg_enc_reset(&x->enc);
    net_p2p_enc_commit(&x->enc, r.raw, r.raw_len);
    ldg_record_free(&r);
    nng_send(x->pub, (void *)ldg_enc_data(&x->enc), ldg_enc_len(&x->enc), NNG_FLAG_NONBLOCK);
}

/* Executes the block of the job: without a certificate, speculatively, the result kept
 * for the commit; otherwise unless its speculation was this very block. Signature checks
 * are skipped for the transactions whose very bytes (id and signature) are still in the
 * pool (verified when admitted or received). Returns whether out holds a result to commit. */
static bool execute(net_exec *x, ldg_exec_out *out)
{
    net_node *n = x->n;
    net_blk *k = &x->job;
    bool spec_hit = x->spec_valid && !memcmp(x->spec_id.b, k->id.b, NET_CONS_BLOCK_ID_LEN);
    if (!x->cert && spec_hit)
        return false;
    ldg_err e = LDG_OK;
    if (x->cert)
        atomic_fetch_add(spec_hit ? &n->exec_ahead : &n->exec_after, 1);
    if (spec_hit) {
        *out = x->spec_out;
    } else {
        bool *verified = malloc(k->n ? k->n : 1);
        LDG_ASSERT(verified);
        for (uint32_t i = 0; i < k->n; i++)
            verified[i] =
                net_pool_find(x->pool, &k->refs[i].id, k->txs[i], k->lens[i]) == NET_POOL_SAME;
        e = ldg_chain_execute(n->chain, &k->h, (const uint8_t *const *)k->txs, k->lens, verified,
                              n->dev, out);
        free(verified);
        if (x->spec_valid)
            ldg_exec_out_free(&x->spec_out);
    }
    x->spec_valid = false;
    if (!x->cert) {
        /* Speculation: keep the result for the commit. A failure is not fatal here: the
         * block may never be decided (if it is, its execution is retried and then fatal). */
        if (e == LDG_OK) {
            x->spec_valid = true;
            x->spec_id = k->id;
            x->spec_out = *out;
        } else {
            ldg_chain_abandon(n->chain);
        }
        return false;
    }
    if (e != LDG_OK) {
        net_node_fatal(n, "decided block %llu does not execute here: %s",
                       (unsigned long long)k->h.height, ldg_err_str(e));
        return false;
    }
    return true;
}

/* Executes the job; a decided block is then stored with its certificate, leaves the pool
 * and is published. */
static void execute_job(net_exec *x)
{
    net_node *n = x->n;
    net_blk *k = &x->job;
    ldg_exec_out out;
    if (!execute(x, &out))
        return;
    if (x->test_diverge_at == k->h.height) {
        out.state_root.b[0] ^= 1;
        net_log(NET_LOG_WARN,
                "TEST MODE: the state root of block %llu is altered here "
                "(FOLIO_TEST_DIVERGE_AT)",
                (unsigned long long)k->h.height);
    }
    ldg_err e =
        ldg_chain_commit(n->chain, &k->h, (const uint8_t *const *)k->txs, k->lens, x->cert, &out);
    ldg_exec_out_free(&out);
    if (e != LDG_OK) {
        net_node_fatal(n, "commit of block %llu: %s", (unsigned long long)k->h.height,
                       ldg_err_str(e));
        return;
    }
    /* Committed transactions leave the pool by id, whatever signature its copy carries. */
    net_pool_remove_refs(x->pool, k->refs, k->n);
    net_pool_follow_limits(x->pool, n->chain);
    atomic_store(&n->pool_size, net_pool_size(x->pool));
    atomic_store(&n->last_commit_ms, mono_ms() - x->start);
    net_metrics_commit(n->metrics, mono_ms() - x->start);
    if (x->cert)
        net_metrics_certificate(n->metrics, x->cert);
    publish(x, k->h.height);
}

static void *exec_run(void *arg)
{
    net_exec *x = arg;
    pthread_mutex_lock(&x->lock);
    for (;;) {
        while (!atomic_load(&x->busy) && !x->quit)
            pthread_cond_wait(&x->cond, &x->lock);
        if (!atomic_load(&x->busy))
            break; /* quit with nothing in hand; a job in hand is finished first */
        pthread_mutex_unlock(&x->lock);
        if (x->n->fatal[0] == '\0')
            execute_job(x); /* also when stopping: the block was decided */
        pthread_mutex_lock(&x->lock);
        net_blk_clear(&x->job);
        free(x->cert);
        x->cert = NULL;
        atomic_store(&x->committing, false);
        atomic_store(&x->busy, false);
        pthread_cond_broadcast(&x->cond);
        pthread_mutex_unlock(&x->lock);
        /* Wake the consensus thread: held messages and the next proposal wait for this. */
        net_inbox_wake(x->wake);
        pthread_mutex_lock(&x->lock);
    }
    pthread_mutex_unlock(&x->lock);
    return NULL;
}

net_exec *net_exec_start(net_node *n, nng_socket pub, net_inbox *wake)
{
    net_exec *x = calloc(1, sizeof *x);
    LDG_ASSERT(x);
    x->n = n;
    x->pool = n->pool;
    x->pub = pub;
    x->wake = wake;
    const char *div = getenv("FOLIO_TEST_DIVERGE_AT");
    x->test_diverge_at = div ? strtoull(div, NULL, 10) : 0;
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->cond, NULL);
    ldg_enc_init(&x->enc);
    if (pthread_create(&x->th, NULL, exec_run, x) != 0) {
        pthread_mutex_destroy(&x->lock);
        pthread_cond_destroy(&x->cond);
        ldg_enc_free(&x->enc);
        free(x);
        return NULL;
    }
    return x;
}

void net_exec_stop(net_exec *x)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->lock);
    x->quit = true;
    pthread_cond_broadcast(&x->cond);
    pthread_mutex_unlock(&x->lock);
    pthread_join(x->th, NULL);
    net_blk_clear(&x->job);
    free(x->cert);
    if (x->spec_valid)
        ldg_exec_out_free(&x->spec_out);
    ldg_enc_free(&x->enc);
    pthread_mutex_destroy(&x->lock);
    pthread_cond_destroy(&x->cond);
    free(x);
}

void net_exec_wait(net_exec *x)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->lock);
    while (atomic_load(&x->busy))
        pthread_cond_wait(&x->cond, &x->lock);
    pthread_mutex_unlock(&x->lock);
}

void net_exec_commit_wait(net_exec *x)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->lock);
    while (atomic_load(&x->committing))
        pthread_cond_wait(&x->cond, &x->lock);
    pthread_mutex_unlock(&x->lock);
}

bool net_exec_committing(net_exec *x)
{
    return x && atomic_load(&x->committing);
}

void net_exec_speculate(net_exec *x, const net_blk *k, uint64_t height_start)
{
    pthread_mutex_lock(&x->lock);
    if (!atomic_load(&x->busy) &&
        !(x->spec_valid && !memcmp(x->spec_id.b, k->id.b, NET_CONS_BLOCK_ID_LEN))) {
        net_blk_copy(&x->job, k);
        x->cert = NULL;
        x->start = height_start;
        atomic_store(&x->busy, true);
        pthread_cond_broadcast(&x->cond);
    }
    pthread_mutex_unlock(&x->lock);
}

void net_exec_commit(net_exec *x, net_blk *k, ldg_cert *cert, uint64_t height_start)
{
    pthread_mutex_lock(&x->lock);
    x->job = *k;
    memset(k, 0, sizeof *k);
    x->cert = cert;
    x->start = height_start;
    atomic_store(&x->committing, true);
    atomic_store(&x->busy, true);
    pthread_cond_broadcast(&x->cond);
    pthread_mutex_unlock(&x->lock);
}

void net_exec_spec_drop(net_exec *x)
{
    if (x && x->spec_valid) {
        ldg_exec_out_free(&x->spec_out);
        x->spec_valid = false;
        ldg_chain_abandon(x->n->chain);
    }
}
