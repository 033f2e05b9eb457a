/* The single-validator consensus driver: the same seam a BFT protocol uses
 * (propose -> execute -> precommit signatures -> certificate check -> commit), with a
 * validator set of one whose quorum is one. */
#include "net_solo.h"
#include "net_block.h"
#include "net_log.h"
#include "net_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void stop_fatal(net_node *n, const char *what, ldg_err err)
{
    snprintf(n->fatal, sizeof n->fatal, "consensus stopped: %s: %s", what, ldg_err_str(err));
    net_log(NET_LOG_ERROR, "%s", n->fatal);
    atomic_store(&n->stopping, true);
}

/* Chooses the next block's transactions from the front of the pool: up to the block limits
 * in force for it (ldg_chain_block_limits, at most LDG_BLOCK_TX_MAX and LDG_BLOCK_SIZE_MAX
 * less LDG_BLOCK_SIZE_SLACK bytes), skipping any outside its expiry window
 * (they leave the pool with the rest of the taken prefix and never reach a block). Returns
 * how many pool entries the block consumes (batch[0..) holds them, with references); *n
 * gets how many go into it. */
static size_t take_batch(net_node *n, net_pool_tx *batch, const uint8_t **txs, size_t *lens,
                         ldg_tx_ref *refs, uint64_t time_ms, uint32_t *count, size_t *taken)
{
    ldg_block_limits lim = ldg_chain_block_limits(n->chain);
    size_t k = net_pool_front(n->pool, batch, LDG_BLOCK_TX_MAX), used = 0, bytes = 0;
    uint32_t m = 0;
    /* Room for the header, certificate and receipts beside the transactions. */
    const size_t budget = net_block_budget(&lim);
    for (; used < k; used++) {
        if (bytes + batch[used].len > budget || m >= lim.max_txs)
            break;
        /* Outside its expiry window at the block's time the handler would refuse it. */
        if (batch[used].expiry_ms < time_ms || batch[used].expiry_ms - time_ms > LDG_TX_TTL_MS_MAX)
            continue;
        bytes += batch[used].len;
        txs[m] = batch[used].wire;
        lens[m] = batch[used].len;
        refs[m].id = batch[used].id;
        ldg_tx_wire_sig(&refs[m].sig, batch[used].wire, batch[used].len);
        m++;
    }
    *count = m;
    *taken = k;
    return used;
}

/* Removes the first `consumed` of the taken entries from the pool and drops the references
 * to all `taken`. */
static void settle(net_node *n, net_pool_tx *batch, size_t consumed, size_t taken)
{
    ldg_hash *ids = malloc((consumed ? consumed : 1) * sizeof *ids);
    LDG_ASSERT(ids);
    for (size_t i = 0; i < consumed; i++)
        ids[i] = batch[i].id;
    net_pool_remove(n->pool, ids, consumed);
    free(ids);
    net_pool_release(batch, taken);
}

static bool sign_cert(net_node *n, const ldg_header *h, ldg_cert *cert)
{
    if (ldg_cert_sign_one(cert, h, (uint32_t)n->validator_index, &n->validator) != LDG_OK)
        return false;
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    uint32_t nv = ldg_chain_validators(n->chain, vals, LDG_VALIDATORS_MAX);
    return ldg_cert_verify(cert, h->chain_id, vals, nv);
}

static void produce(net_node *n, net_pool_tx *batch, const uint8_t **txs, size_t *lens,
                    ldg_tx_ref *refs, bool *verified)
{
    uint64_t start = net_now_ms();
    uint64_t time_ms = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
    uint32_t k;
    size_t taken;
    size_t consumed = take_batch(n, batch, txs, lens, refs, time_ms, &k, &taken);
    if (k == 0 && !atomic_exchange(&n->force_block, false)) {
        settle(n, batch, consumed, taken); /* only expired ones */
        return;
    }
    for (size_t i = 0; i < k; i++)
        verified[i] = true; /* checked on admission */
    ldg_header h;
    ldg_exec_out out;
    ldg_cert cert;
    ldg_err err =
        ldg_chain_propose_refs(n->chain, refs, lens, (uint32_t)k, time_ms, &n->validator.pub, &h);
    if (err != LDG_OK) {
        net_pool_release(batch, taken);
        return stop_fatal(n, "propose", err);
    }
    err = ldg_chain_execute(n->chain, &h, txs, lens, verified, n->dev, &out);
    if (err != LDG_OK) {
        net_pool_release(batch, taken);
        return stop_fatal(n, "execute own proposal", err);
    }
    if (!sign_cert(n, &h, &cert)) {
        ldg_chain_abandon(n->chain);
        ldg_exec_out_free(&out);
        net_pool_release(batch, taken);
        return stop_fatal(n, "precommit certificate", LDG_ERR_CRYPTO);
    }
    err = ldg_chain_commit(n->chain, &h, txs, lens, &cert, &out);
    ldg_exec_out_free(&out);
    if (err != LDG_OK) {
        net_pool_release(batch, taken);
        return stop_fatal(n, "commit", err);
    }
    settle(n, batch, consumed, taken);
    atomic_store(&n->last_commit_ms, net_now_ms() - start);
    net_metrics_commit(n->metrics, net_now_ms() - start);
    net_metrics_certificate(n->metrics, &cert);
}

void *net_solo_run(void *arg)
{
    net_node *n = arg;
    if (n->validator_index < 0) {
        net_log(NET_LOG_WARN, "this node's key is not a validator; following only");
        return NULL;
    }
    net_pool_tx *batch = malloc(LDG_BLOCK_TX_MAX * sizeof *batch);
    const uint8_t **txs = malloc(LDG_BLOCK_TX_MAX * sizeof *txs);
    size_t *lens = malloc(LDG_BLOCK_TX_MAX * sizeof *lens);
    ldg_tx_ref *refs = malloc(LDG_BLOCK_TX_MAX * sizeof *refs);
    bool *verified = malloc(LDG_BLOCK_TX_MAX);
    LDG_ASSERT(batch && txs && lens && refs && verified);
    while (!atomic_load(&n->stopping)) {
        size_t pending = net_pool_wait(n->pool, 100);
        if (atomic_load(&n->stopping))
            break;
        if (pending == 0 && !atomic_load(&n->force_block)) {
            /* Idle: produce a block only if the modules have work due (corporate actions)
             * or a heartbeat is (net_clock.h). */
            uint64_t now = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
            ldg_state *st = ldg_chain_reader(n->chain);
            bool due = ldg_registry_work_due(n->reg, st, now) ||
                       net_clock_heartbeat_due(now, ldg_chain_tip(n->chain).time_ms);
            ldg_state_free(st);
            if (!due)
                continue;
            atomic_store(&n->force_block, true);
        }
        /* Let a burst gather into one block for a quarter of the block interval; with
         * execution and the synced write, a transaction waits well under
         * LDG_BLOCK_INTERVAL_MS before its block is committed. */
        if (pending < ldg_chain_block_limits(n->chain).max_txs)
            usleep(LDG_BLOCK_INTERVAL_MS * 1000 / 4);
        produce(n, batch, txs, lens, refs, verified);
    }
    free(batch);
    free(txs);
    free(lens);
    free(refs);
    free(verified);
    return NULL;
}
