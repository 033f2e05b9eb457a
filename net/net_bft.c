#include "net_bft.h"
#include "ldg_proof.h"
#include "net_log.h"
#include "net_batch_rx.h"
#include "net_block.h"
#include "net_exec.h"
#include "net_guard.h"
#include "net_hold.h"
#include "net_inbox.h"
#include "net_links.h"
#include "net_pool.h"
#include "net_propose.h"
#include "net_p2p.h"
#include "net_sync.h"
#include "net_timers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small helpers ---- */

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- driver state ---- */

typedef net_inbox_item qitem; /* a received message (net_inbox.h) */

#define BFT_INTERNAL 16

typedef struct bft {
    net_node *n;
    bool observer;
    net_links *links; /* sockets, peers' identities, receivers (net_links.h) */
    net_inbox inbox;
    net_pool *pool; /* the node's one pool (and batch store) */
    /* consensus thread only */
    net_cons *core;
    net_cons_actions acts;
    uint32_t nval;
    int self_index;        /* in the set of the height started last; -1: not in it */
    uint64_t trust_kept_h; /* the tip keep_trust last ran at */
    bool trust_warned;
    uint8_t (*vals)[NET_CONS_PUBKEY_LEN];
    net_timers timers; /* the core's timeouts (net_timers.h) */
    net_blk_cache blocks;
    /* The last decided block, which may still be executing (the tip then lags by one). */
    uint64_t decided_h;
    ldg_hash decided_hash;
    net_hold hold;    /* messages of the next height (future), held while a block executes */
    net_propose prop; /* the value the core wants; whether there is work (net_propose.h) */
    uint64_t behind_since;
    uint64_t height_start;
    uint64_t next_resend, next_sync_check, next_sync_allowed;
    net_cons_event internal[BFT_INTERNAL];
    size_t int_head, int_count;
    bool stepping;
    nng_pipe from;   /* the connection the message being stepped came on (id 0: none) */
    net_guard guard; /* signs this validator's votes; persists them first */
    ldg_enc enc;
    net_exec *exec;        /* the chain's executor thread (net_exec.h) */
    net_batch_rx *batches; /* batches from peers (net_batch_rx.h) */
    uint64_t synced_ms;    /* when the last block sync that got blocks ended; 0 once we voted */
    uint64_t test_sync_delay_ms; /* FOLIO_TEST_SYNC_DELAY_MS: block sync sleeps this much
                                  * after each block (tests: a long sync window) */
    uint32_t fault_signed;       /* [test] fault_equivocate_at: second votes signed */
    /* Conflicting vote pairs seen, for the relay (net_bft_evidence_take): a ring under ev_mu. */
    pthread_mutex_t ev_mu;
    net_bft_evidence ev[NET_BFT_EVIDENCE_KEEP];
    size_t ev_head, ev_count;
} bft;

/* ---- sending ---- */

static void send_enc(nng_socket s, const ldg_enc *e)
{
    nng_send(s, (void *)ldg_enc_data(e), ldg_enc_len(e), NNG_FLAG_NONBLOCK);
}

static void broadcast_msg(bft *b, const net_cons_msg *m)
{
    ldg_enc_reset(&b->enc);
    net_blk *k = m->type == NET_CONS_PROPOSAL ? net_blk_find(&b->blocks, &m->block) : NULL;
    if (k)
        net_p2p_enc_cons(&b->enc, m, &k->h, k->digests, k->nd);
    else
        net_p2p_enc_cons(&b->enc, m, NULL, NULL, 0);
    send_enc(b->links->cons, &b->enc);
}

/* This node's index in the set of the height it works on (start_height), or 0xffff. */
static uint64_t origin_of(bft *b)
{
    return (uint64_t)(b->self_index < 0 ? 0xffff : b->self_index);
}

/* Re-sends own batches still pending after NET_BFT_REBATCH_MS (at most 8 a pass): a
 * broadcast is best effort (a full peer queue drops it), and a node that is not a
 * validator has no other way to get its clients' transactions proposed. */
static void rebroadcast(bft *b, uint64_t now)
{
    for (int i = 0; i < 8; i++) {
        if (!net_pool_stale_own(b->pool, now, NET_BFT_REBATCH_MS, origin_of(b), &b->enc, 1))
            break;
        send_enc(b->links->batch, &b->enc);
    }
}

/* Broadcasts the transactions admitted here and not yet sent, in bounded batches (each
 * also kept in the store). */
static void drain_local(bft *b)
{
    while (net_pool_take_unsent(b->pool, mono_ms(), origin_of(b), &b->enc))
        send_enc(b->links->batch, &b->enc);
    atomic_store(&b->n->pool_size, net_pool_size(b->pool));
}

/* ---- equivocation: evidence kept, and the fault switch ---- */

/* Keeps the core's EVIDENCE pair if it is duplicate-vote evidence (two prevotes or two
 * precommits; the core emits it only for one validator's conflicting messages of one height
 * and round), once per validator and height, for the relay to submit to a main chain. */
static void keep_evidence(bft *b, const net_cons_action *a)
{
    const net_cons_msg *x = &a->msg, *y = &a->msg2;
    if (x->type != y->type || x->type == NET_CONS_PROPOSAL || x->validator >= b->nval ||
        x->validator != y->validator || x->height != y->height || x->round != y->round)
        return;
    pthread_mutex_lock(&b->ev_mu);
    bool known = false;
    for (size_t i = 0; i < b->ev_count && !known; i++) {
        const net_cons_msg *k = &b->ev[(b->ev_head + i) % NET_BFT_EVIDENCE_KEEP].a;
        known = k->validator == x->validator && k->height == x->height;
    }
    bool full = b->ev_count == NET_BFT_EVIDENCE_KEEP;
    if (!known && !full) {
        net_bft_evidence *e = &b->ev[(b->ev_head + b->ev_count++) % NET_BFT_EVIDENCE_KEEP];
        memcpy(e->key, b->vals[x->validator], NET_CONS_PUBKEY_LEN);
        e->a = *x;
        e->b = *y;
    }
    pthread_mutex_unlock(&b->ev_mu);
    if (full && !known)
        net_log(NET_LOG_WARN,
                "%s: evidence against validator %u at height %llu dropped: %d "
                "pairs wait for the relay already",
                ldg_chain_id(b->n->chain), x->validator, (unsigned long long)x->height,
                NET_BFT_EVIDENCE_KEEP);
}

bool net_bft_evidence_take(net_node *n, net_bft_evidence *out)
{
    bft *b = n->bft;
    if (!b)
        return false;
    pthread_mutex_lock(&b->ev_mu);
    bool got = b->ev_count > 0;
    if (got) {
        *out = b->ev[b->ev_head];
        b->ev_head = (b->ev_head + 1) % NET_BFT_EVIDENCE_KEEP;
        b->ev_count--;
    }
    pthread_mutex_unlock(&b->ev_mu);
    return got;
}

/* [test] fault_equivocate_at = H (development mode only: net_node.c refuses it otherwise):
 * beside each prevote and precommit for a block this validator sends at height H, it signs
 * and sends one for another block (the block id with its first byte XOR 0x5a), so that the
 * other validators see one validator's conflicting votes (specs/chains.md §9.3). Signed
 * past the guard on purpose: an honest validator never does this. */
static void fault_equivocate(bft *b, const net_cons_msg *m)
{
    net_node *n = b->n;
    if (!n->cfg.test_fault_equivocate_at || !n->dev ||
        m->height != (uint64_t)n->cfg.test_fault_equivocate_at || b->self_index < 0 ||
        m->validator != (uint16_t)b->self_index || !m->has_block ||
        (m->type != NET_CONS_PREVOTE && m->type != NET_CONS_PRECOMMIT))
        return;
    net_cons_msg f = *m;
    f.block.b[0] ^= 0x5a;
    uint8_t bytes[NET_CONS_SIGN_BYTES_MAX];
    const char *cid = ldg_chain_id(n->chain);
    size_t len = net_cons_sign_bytes(bytes, (const uint8_t *)cid, strlen(cid), &f);
    if (!net_guard_sign(&b->guard, f.sig, bytes, len))
        return;
    broadcast_msg(b, &f);
    if (b->fault_signed++ < 4) /* the resends sign it again: say it a few times only */
        net_log(NET_LOG_WARN,
                "FAULT INJECTION: validator %d of %s signed a second %s at height %llu round %u",
                b->self_index, cid, m->type == NET_CONS_PREVOTE ? "prevote" : "precommit",
                (unsigned long long)m->height, m->round);
}

/* ---- consensus stepping ---- */

static void step(bft *b, const net_cons_event *ev);
static void accept_block(bft *b, const net_p2p_msg *m);

static void post(bft *b, const net_cons_event *ev)
{
    LDG_ASSERT(b->int_count < BFT_INTERNAL);
    b->internal[(b->int_head + b->int_count++) % BFT_INTERNAL] = *ev;
}

static void deliver(bft *b, qitem *it);
static uint64_t decided_height(bft *b, ldg_hash *hash);

static void start_height(bft *b)
{
    uint64_t decided = decided_height(b, NULL);
    if (b->observer)
        return;
    net_cons_status cs;
    net_cons_status_get(b->core, &cs);
    if (cs.step != NET_CONS_STEP_IDLE && cs.height >= decided + 1)
        return; /* already there */
    /* The set of this height (ldg_valset.h): the store may still lack the decided block,
     * but changes are recorded LDG_VALSET_LEAD blocks ahead. */
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    uint32_t nv = ldg_chain_validators_at(b->n->chain, decided + 1, vals, LDG_VALIDATORS_MAX, NULL);
    if (nv == 0 || nv > NET_CONS_VALIDATORS_MAX) {
        net_node_fatal(b->n, "validator set of %u at height %llu is unusable", nv,
                       (unsigned long long)decided);
        return;
    }
    b->nval = nv;
    b->self_index = -1;
    for (uint32_t i = 0; i < nv; i++) {
        memcpy(b->vals[i], vals[i].b, NET_CONS_PUBKEY_LEN);
        if (!memcmp(vals[i].b, b->n->validator.pub.b, LDG_PUBKEY_LEN))
            b->self_index = (int)i;
    }
    b->prop.want = false;
    net_timers_clear(&b->timers);
    b->height_start = mono_ms();
    net_cons_event ev = {.kind = NET_CONS_EV_START_HEIGHT,
                         .height = decided + 1,
                         .validators = (const uint8_t(*)[NET_CONS_PUBKEY_LEN])b->vals,
                         .validator_count = nv};
    step(b, &ev);
    /* Messages that came early for this height. The list is detached first: stepping
     * them can commit and re-enter start_height, which must only see the queue. */
    qitem *fut = net_hold_future_take(&b->hold);
    while (fut) {
        qitem *it = fut;
        fut = fut->next;
        uint64_t next_h = decided_height(b, NULL) + 1;
        if (it->m.cons.height == next_h && !atomic_load(&b->n->stopping)) {
            deliver(b, it);
        } else if (it->m.cons.height > next_h) {
            net_hold_future(&b->hold, it);
        } else {
            net_inbox_item_free(it);
        }
    }
}

/* The height and hash of the last decided block: the tip, or the block the executor is
 * committing (decided, so final, but not yet in the store). */
static uint64_t decided_height(bft *b, ldg_hash *hash)
{
    ldg_tip tip = ldg_chain_tip(b->n->chain);
    if (b->decided_h > tip.height) {
        if (hash)
            *hash = b->decided_hash;
        return b->decided_h;
    }
    if (hash)
        *hash = tip.hash;
    return tip.height;
}

/* A proposal's block is valid if it was assembled (batches present, signatures checked on
 * admission or receipt), its proposer is a validator, its time is sane, and its header
 * follows our tip: this needs the previous block executed (its state root is in this
 * header), but not this one. */
static bool validate(bft *b, const net_cons_block_id *id)
{
    net_blk *k = net_blk_find(&b->blocks, id);
    if (!k)
        return false;
    net_exec_commit_wait(
        b->exec); /* held messages keep this rare: the header carries the previous root */
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    uint32_t nv = ldg_chain_validators_at(b->n->chain, k->h.height, vals, LDG_VALIDATORS_MAX, NULL);
    bool known = false;
    for (uint32_t i = 0; i < nv; i++)
        known |= !memcmp(vals[i].b, k->h.proposer.b, LDG_PUBKEY_LEN);
    uint64_t now = net_clock_now_ms(&b->n->clock) + atomic_load(&b->n->time_offset_ms);
    if (!known || !net_clock_time_ok(k->h.time_ms, now))
        return false;
    if (ldg_chain_check(b->n->chain, &k->h, k->refs, k->lens, k->n) != LDG_OK)
        return false;
    net_exec_speculate(b->exec, k, b->height_start);
    return true;
}

static bool sync_now(bft *b); /* below */

static void do_commit(bft *b, const net_cons_action *a)
{
    net_node *n = b->n;
    /* One block executes at a time: the previous one must be in the store before this one
     * can be checked against it. */
    net_exec_wait(b->exec);
    if (atomic_load(&n->stopping))
        return;
    ldg_tip tip = ldg_chain_tip(n->chain);
    if (a->height != tip.height + 1) {
        /* Already committed by sync or a published record: move the core on. */
        net_cons_event ev = {.kind = NET_CONS_EV_START_HEIGHT};
        post(b, &ev);
        return;
    }
    net_blk *k = net_blk_find(&b->blocks, &a->block);
    if (!k) {
        /* Decided without the block: fetch it, certified, from a peer. */
        if (sync_now(b)) {
            net_cons_event ev = {.kind = NET_CONS_EV_START_HEIGHT};
            post(b, &ev);
        } else if (!atomic_load(&n->stopping)) {
            net_log(NET_LOG_WARN, "block %llu decided but not yet available; retrying",
                    (unsigned long long)a->height);
        }
        return;
    }
    if (memcmp(k->h.prev_state_root.b, tip.state_root.b, LDG_HASH_LEN) != 0) {
        char ours[17], theirs[17];
        ldg_hex_encode(ours, tip.state_root.b, 8);
        ldg_hex_encode(theirs, k->h.prev_state_root.b, 8);
        net_node_fatal(b->n,
                       "STATE ROOT DIFFERS after block %llu: ours %s..., the validators' %s...",
                       (unsigned long long)tip.height, ours, theirs);
        return;
    }
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    uint32_t nv = ldg_chain_validators_at(n->chain, a->height, vals, LDG_VALIDATORS_MAX, NULL);
    ldg_cert *cert = net_guard_cert(a, k->h.chain_id, vals, nv);
    if (!cert) {
        net_node_fatal(b->n, "the certificate of block %llu does not verify",
                       (unsigned long long)a->height);
        return;
    }
    /* Hand the block to the executor (moved out of the cache) and go on to the next
     * height at once: its messages are received, its proposal assembled and its batches
     * fetched while this block executes and commits. */
    b->decided_h = a->height;
    memcpy(b->decided_hash.b, a->block.b, LDG_HASH_LEN);
    net_exec_commit(b->exec, k, cert, b->height_start);
    net_cons_event ev = {.kind = NET_CONS_EV_START_HEIGHT};
    post(b, &ev); /* start_height reads the decided height */
}

static void perform(bft *b, const net_cons_actions *acts)
{
    for (size_t i = 0; i < acts->count && !atomic_load(&b->n->stopping); i++) {
        const net_cons_action *a = &acts->items[i];
        switch (a->kind) {
        case NET_CONS_ACT_PERSIST:
            if (!net_guard_persist(&b->guard, a->persisted)) {
                net_node_fatal(b->n, "cannot persist the signing state to %s: %s", b->guard.path,
                               strerror(errno));
                return;
            }
            break;
        case NET_CONS_ACT_BROADCAST:
            if (b->synced_ms) {
                net_log(NET_LOG_INFO,
                        "signing again at height %llu round %u, %llu ms after "
                        "block sync",
                        (unsigned long long)a->msg.height, a->msg.round,
                        (unsigned long long)(mono_ms() - b->synced_ms));
                b->synced_ms = 0;
            }
            broadcast_msg(b, &a->msg);
            fault_equivocate(b, &a->msg);
            for (size_t j = 0; j < a->list_count; j++)
                broadcast_msg(b, &a->list[j]);
            break;
        case NET_CONS_ACT_SCHEDULE_TIMEOUT:
            net_timers_schedule(&b->timers, a->timeout_kind, a->height, a->round,
                                mono_ms() + a->duration_ms);
            break;
        case NET_CONS_ACT_REQUEST_VALUE:
            net_propose_want(&b->prop, a->height, a->round, mono_ms());
            break;
        case NET_CONS_ACT_REQUEST_VALIDATION: {
            net_cons_event ev = {.kind = NET_CONS_EV_VALIDITY,
                                 .height = a->height,
                                 .block = a->block,
                                 .valid = validate(b, &a->block)};
            post(b, &ev);
            break;
        }
        case NET_CONS_ACT_COMMIT:
            do_commit(b, a);
            break;
        case NET_CONS_ACT_EVIDENCE:
            net_log(NET_LOG_ERROR,
                    "EVIDENCE validator %u signed conflicting messages at height %llu "
                    "round %u",
                    a->msg.validator, (unsigned long long)a->msg.height, a->msg.round);
            keep_evidence(b, a);
            break;
        }
    }
}

static void update_status(bft *b)
{
    net_cons_status st;
    net_cons_status_get(b->core, &st);
    net_propose_publish(&b->prop, &st, b->nval, mono_ms());
}

static void step(bft *b, const net_cons_event *ev)
{
    post(b, ev);
    if (b->stepping)
        return;
    b->stepping = true;
    while (b->int_count && !atomic_load(&b->n->stopping)) {
        net_cons_event e = b->internal[b->int_head];
        b->int_head = (b->int_head + 1) % BFT_INTERNAL;
        b->int_count--;
        if (e.kind == NET_CONS_EV_START_HEIGHT && e.validators == NULL) {
            b->stepping = false;
            start_height(b);
            b->stepping = true;
            continue;
        }
        net_cons_rc rc = net_cons_step(b->core, &b->acts, &e);
        if (e.kind == NET_CONS_EV_MESSAGE && (rc == NET_CONS_RC_OK || rc == NET_CONS_RC_DUPLICATE))
            net_propose_heard(&b->prop, &e.msg, mono_ms());
        if (rc == NET_CONS_RC_BAD_SIGNATURE || rc == NET_CONS_RC_MALFORMED) {
            net_p2p_log("consensus message from validator %u at height %llu round %u: %s; peer "
                        "disconnected",
                        e.msg.validator, (unsigned long long)e.msg.height, e.msg.round,
                        net_cons_rc_str(rc));
            if (e.kind == NET_CONS_EV_MESSAGE && nng_pipe_id(b->from) > 0)
                nng_pipe_close(b->from);
        }
        if (rc == NET_CONS_RC_HALTED) {
            net_node_fatal(b->n, "the consensus core halted (signing failed)");
            break;
        }
        perform(b, &b->acts);
    }
    b->int_count = 0;
    b->stepping = false;
    update_status(b);
}

/* ---- the proposer's value ---- */

/* Whether there is anything to decide (net_propose.h). While there is nothing, the proposer
 * proposes nothing and the propose timeouts wait, so an idle chain neither grows nor turns
 * rounds. */
static bool has_work(void *arg)
{
    bft *b = arg;
    return net_propose_has_work(&b->prop, decided_height(b, NULL), b->nval);
}

static void propose_value(bft *b)
{
    net_node *n = b->n;
    if (!net_propose_ready(&b->prop, decided_height(b, NULL), b->nval, mono_ms()))
        return;
    uint64_t time_ms = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
    ldg_err err;
    net_blk *k = net_blk_propose(&b->blocks, b->pool, n->chain, time_ms, &n->validator.pub, &err);
    if (!k) {
        net_node_fatal(b->n, "propose: %s", ldg_err_str(err));
        return;
    }
    b->prop.want = false;
    net_cons_event ev = {.kind = NET_CONS_EV_VALUE,
                         .height = b->prop.want_h,
                         .round = b->prop.want_r,
                         .block = k->id};
    step(b, &ev);
}

/* ---- block sync ---- */

/* Fetches and applies blocks until this node has what its peers have (or they stop
 * answering). Returns whether the tip moved. */
static bool sync_run(bft *b)
{
    net_node *n = b->n;
    net_exec_wait(b->exec); /* the executor's block first: sync continues from the store's tip */
    net_exec_spec_drop(b->exec);
    net_sync_client c = {.chain = n->chain,
                         .pool = b->pool,
                         .req = b->links->req,
                         .dev = n->dev,
                         .stopping = &n->stopping,
                         .peer_height = &n->peer_height,
                         .delay_ms = b->test_sync_delay_ms};
    char why[256];
    net_sync_outcome o = net_sync_catch_up(&c, why, sizeof why);
    if (o == NET_SYNC_FATAL)
        net_node_fatal(b->n, "%s", why);
    atomic_store(&n->pool_size, net_pool_size(b->pool));
    return o != NET_SYNC_NOTHING;
}

/* Brings the store up to the peers' tip; true if it got any block. Broadcast batches wait
 * meanwhile (defer_batch). */
static bool sync_now(bft *b)
{
    net_batch_rx_syncing(b->batches, true);
    bool got = sync_run(b);
    net_batch_rx_syncing(b->batches, false);
    if (got && !b->observer)
        b->synced_ms = mono_ms();
    return got;
}

/* ---- messages from the network ---- */

/* The validator set of m's height: the started height's, or (a message of another height,
 * up to LDG_VALSET_LEAD ahead) read from the store (consensus.md §1a). */
static uint32_t set_of_msg(bft *b, const net_cons_msg *m, uint8_t (*vals)[NET_CONS_PUBKEY_LEN])
{
    uint64_t cur = decided_height(b, NULL) + 1;
    if (m->height == cur || m->height == 0 || m->height > cur + LDG_VALSET_LEAD) {
        memcpy(vals, b->vals, (size_t)b->nval * NET_CONS_PUBKEY_LEN);
        return b->nval;
    }
    ldg_pubkey keys[LDG_VALIDATORS_MAX];
    uint32_t n = ldg_chain_validators_at(b->n->chain, m->height, keys, LDG_VALIDATORS_MAX, NULL);
    if (n > NET_CONS_VALIDATORS_MAX)
        n = 0;
    for (uint32_t i = 0; i < n; i++)
        memcpy(vals[i], keys[i].b, NET_CONS_PUBKEY_LEN);
    return n;
}

/* Whether m carries a valid signature of its validator (in the set of its height). */
static bool signed_by_validator(bft *b, const net_cons_msg *m)
{
    uint8_t vals[NET_CONS_VALIDATORS_MAX][NET_CONS_PUBKEY_LEN];
    uint32_t n = set_of_msg(b, m, vals);
    return net_guard_signed_by((const uint8_t(*)[NET_CONS_PUBKEY_LEN])vals, n,
                               ldg_chain_id(b->n->chain), m);
}

/* Only a block signed by the round's proposer may take a place in the block cache (the
 * core verifies the signature again; this keeps a peer from flushing the cache). */
static bool proposal_genuine(bft *b, const net_cons_msg *m)
{
    uint8_t vals[NET_CONS_VALIDATORS_MAX][NET_CONS_PUBKEY_LEN];
    uint32_t n = set_of_msg(b, m, vals);
    if (m->validator >= n || m->validator != net_cons_proposer(m->height, m->round, n))
        return false;
    bool ok = net_guard_signed_by((const uint8_t(*)[NET_CONS_PUBKEY_LEN])vals, n,
                                  ldg_chain_id(b->n->chain), m);
    if (!ok)
        net_p2p_log("proposal for height %llu round %u with a bad signature dropped",
                    (unsigned long long)m->height, m->round);
    return ok;
}

/* A proposal's block: its header and batch digests, assembled from the store (missing
 * batches fetched by digest) into the block cache, if the proposal is genuine and builds
 * on our tip. Nothing is cached if a batch cannot be had or the rule is broken: the
 * validation then fails and this validator prevotes nil. */
static void accept_block(bft *b, const net_p2p_msg *m)
{
    ldg_hash prev;
    decided_height(b, &prev);
    if (!m->has_block || memcmp(m->header.prev_hash.b, prev.b, LDG_HASH_LEN) != 0 ||
        net_blk_find(&b->blocks, &m->cons.block) || !proposal_genuine(b, &m->cons))
        return;
    net_blk_receive(&b->blocks, b->pool, b->batches, m);
}

/* Steps the core with the message in it (freed), remembering its connection meanwhile. */
static void step_msg(bft *b, qitem *it)
{
    net_cons_event ev = {.kind = NET_CONS_EV_MESSAGE, .msg = it->m.cons};
    b->from = nng_msg_get_pipe(it->raw);
    net_inbox_item_free(it);
    step(b, &ev);
    b->from = (nng_pipe)NNG_PIPE_INITIALIZER;
}

/* A message of the current height: its block (if a proposal) is assembled now; it reaches
 * the core now, or, while the previous block is still executing, once that is committed
 * (so that nothing is signed at a height whose previous block is not in the store). */
static void deliver(bft *b, qitem *it)
{
    accept_block(b, &it->m);
    if (net_exec_committing(b->exec)) {
        net_hold_held(&b->hold, it);
        return;
    }
    step_msg(b, it);
}

/* Once the executor is done: the held messages, in arrival order. */
static void release_held(bft *b)
{
    while (b->hold.held && !net_exec_committing(b->exec) && !atomic_load(&b->n->stopping)) {
        qitem *it = net_hold_release(&b->hold);
        if (it->m.cons.height != decided_height(b, NULL) + 1) {
            net_inbox_item_free(it);
            continue;
        }
        step_msg(b, it);
    }
}

/* Whether the connection it came on may carry it (net_p2p_check_cons): a refused one is
 * disconnected; a vote relayed for another validator must carry that one's signature. */
static bool peer_may_send(bft *b, qitem *it)
{
    char why[160];
    net_p2p_verdict v = net_p2p_check_cons(b->links->peers, nng_msg_get_pipe(it->raw), &it->m.cons,
                                           why, sizeof why);
    if (v == NET_P2P_RELAYED && !signed_by_validator(b, &it->m.cons)) {
        snprintf(why, sizeof why, "a vote relayed for validator %u with a bad signature",
                 it->m.cons.validator);
        v = NET_P2P_REFUSE;
    }
    if (v != NET_P2P_REFUSE)
        return true;
    net_p2p_log("%s; dropped, peer disconnected", why);
    nng_pipe_close(nng_msg_get_pipe(it->raw));
    return false;
}

static void on_cons(bft *b, qitem *it)
{
    net_node *n = b->n;
    uint64_t cur = decided_height(b, NULL) + 1;
    uint64_t h = it->m.cons.height;
    if (b->observer || !peer_may_send(b, it) || h < cur) {
        net_inbox_item_free(it);
        return;
    }
    if (h > cur) {
        /* Only a validly signed message may say that we are behind (the core checks the
         * others; these it does not see yet). */
        if (!signed_by_validator(b, &it->m.cons)) {
            net_p2p_log("message for height %llu from validator %u with a bad signature dropped; "
                        "peer disconnected",
                        (unsigned long long)h, it->m.cons.validator);
            nng_pipe_close(nng_msg_get_pipe(it->raw));
            net_inbox_item_free(it);
            return;
        }
        if (h - 1 > atomic_load(&n->peer_height))
            atomic_store(&n->peer_height, h - 1);
        if (b->behind_since == 0)
            b->behind_since = mono_ms();
        if (h == cur + 1)
            net_hold_future(&b->hold, it);
        else
            net_inbox_item_free(it);
        return;
    }
    deliver(b, it);
}

static void on_commit_rec(bft *b, qitem *it)
{
    net_node *n = b->n;
    /* A validator that is not behind commits by consensus: skip the decoding. */
    if (!b->observer && atomic_load(&n->peer_height) <= ldg_chain_tip(n->chain).height) {
        net_inbox_item_free(it);
        return;
    }
    net_sync_block blk;
    if (net_sync_decode(&blk, it->m.recs[0], it->m.rec_lens[0]) != LDG_OK) {
        net_p2p_log("undecodable published block");
        net_inbox_item_free(it);
        return;
    }
    net_exec_commit_wait(b->exec); /* a block of ours in hand may be this very one */
    uint64_t h = blk.header.height, tip = ldg_chain_tip(n->chain).height;
    if (h == tip + 1) {
        char why[256];
        net_exec_wait(b->exec);
        net_exec_spec_drop(b->exec);
        ldg_err e = net_sync_apply(n->chain, &blk, n->dev, LDG_COMMIT_SYNCED, why, sizeof why);
        if (e == LDG_OK) {
            net_pool_remove_wires(b->pool, blk.txs, blk.tx_lens, blk.tx_count);
            atomic_store(&n->pool_size, net_pool_size(b->pool));
            if (h > atomic_load(&n->peer_height))
                atomic_store(&n->peer_height, h);
            start_height(b);
        } else if (e == LDG_ERR_DIVERGED)
            net_node_fatal(b->n, "%s", why);
        else
            net_p2p_log("published block: %s", why);
    } else if (h > tip + 1 && mono_ms() >= b->next_sync_allowed) {
        if (sync_now(b))
            start_height(b);
        else
            b->next_sync_allowed = mono_ms() + 2000;
    }
    net_sync_block_free(&blk);
    net_inbox_item_free(it);
}

static void bft_free(bft *b)
{
    /* Our threads end by themselves once the node is stopping (every socket they receive
     * on has a receive timeout, and every reply a send timeout); then the sockets close. */
    atomic_store(&b->n->stopping, true);
    if (b->links)
        net_links_join(b->links);
    net_batch_rx_stop(b->batches);
    b->batches = NULL;
    /* A block in hand is finished: it was decided, and the store must have it. */
    net_exec_stop(b->exec);
    b->exec = NULL;
    if (b->links && !net_links_close(b->links))
        return; /* b stays allocated, as the links are (left to the process exit) */
    net_inbox_destroy(&b->inbox);
    pthread_mutex_destroy(&b->ev_mu);
    net_hold_free(&b->hold);
    net_blk_cache_free(&b->blocks);
    if (b->core)
        net_cons_destroy(b->core);
    free(b->vals);
    ldg_enc_free(&b->enc);
    free(b);
}

int net_bft_start(net_node *n, char *err, size_t err_len)
{
    bft *b = calloc(1, sizeof *b);
    LDG_ASSERT(b);
    b->n = n;
    LDG_ASSERT(pthread_mutex_init(&b->ev_mu, NULL) == 0);
    b->observer = n->observer || n->validator_index < 0;
    b->self_index = n->validator_index < (int)LDG_VALIDATORS_MAX ? n->validator_index : -1;
    const char *sd = getenv("FOLIO_TEST_SYNC_DELAY_MS");
    b->test_sync_delay_ms = sd ? strtoull(sd, NULL, 10) : 0;
    if (b->test_sync_delay_ms)
        net_log(NET_LOG_WARN,
                "TEST MODE: block sync waits %llu ms after each block "
                "(FOLIO_TEST_SYNC_DELAY_MS)",
                (unsigned long long)b->test_sync_delay_ms);
    n->observer = b->observer;
    atomic_store(&n->cons_last_proposer, -1);
    net_inbox_init(&b->inbox);
    b->pool = n->pool;
    net_propose_init(&b->prop, n, n->pool);
    b->vals = calloc(NET_CONS_VALIDATORS_MAX, sizeof *b->vals);
    LDG_ASSERT(b->vals);
    ldg_enc_init(&b->enc);
    ldg_pubkey vals[LDG_VALIDATORS_MAX];
    b->nval = ldg_chain_validators(n->chain, vals, LDG_VALIDATORS_MAX);
    net_guard_init(&b->guard, n->home, &n->validator);
    b->links = net_links_open(n, b->observer, b->nval, err, err_len);
    if (!b->links) {
        bft_free(b);
        return 1;
    }
    if (!b->observer) {
        net_cons_persisted *restored = calloc(1, sizeof *restored);
        LDG_ASSERT(restored);
        int r = net_guard_restore(&b->guard, restored);
        if (r < 0) {
            snprintf(err, err_len,
                     "%s is unreadable or corrupt: refusing to vote (it guards against double "
                     "signing; restore it or move it away knowingly)",
                     b->guard.path);
            free(restored);
            bft_free(b);
            return 1;
        }
        if (r > 0)
            net_log(NET_LOG_INFO, "restored signing state: last signed height %llu round %u",
                    (unsigned long long)restored->last.height, restored->last.round);
        net_cons_config cfg = {
            .crypto = {.ctx = &b->guard, .sign = net_guard_sign, .verify = net_guard_verify},
            .propose_base_ms = (uint32_t)n->cfg.propose_timeout_ms,
            .propose_delta_ms = (uint32_t)n->cfg.propose_timeout_ms / 2,
            .prevote_base_ms = (uint32_t)n->cfg.vote_timeout_ms,
            .prevote_delta_ms = (uint32_t)n->cfg.vote_timeout_ms / 2,
            .precommit_base_ms = (uint32_t)n->cfg.vote_timeout_ms,
            .precommit_delta_ms = (uint32_t)n->cfg.vote_timeout_ms / 2,
            .restored = r > 0 ? restored : NULL,
        };
        const char *cid = ldg_chain_id(n->chain);
        cfg.chain_id_len = strlen(cid);
        memcpy(cfg.chain_id, cid, cfg.chain_id_len);
        memcpy(cfg.self_pubkey, n->validator.pub.b, NET_CONS_PUBKEY_LEN);
        b->core = net_cons_create(&cfg);
        free(restored);
        LDG_ASSERT(b->core);
    }
    net_links_start(b->links, &b->inbox);
    b->batches =
        net_batch_rx_start(n, b->links->peers, b->links->batch, b->links->req, b->observer);
    b->exec = b->observer ? NULL : net_exec_start(n, b->links->pub, &b->inbox);
    LDG_ASSERT(b->observer || b->exec); /* do_commit hands every block to it */
    n->bft = b;                         /* the node's own driver: a process may run several nodes */
    net_log(NET_LOG_INFO, "%s of %u validators, p2p on %s (%s)",
            b->observer ? "observer" : "validator", b->nval, n->cfg.p2p_listen,
            b->links->tls.on ? "tls+tcp, mutual auth" : "tcp, NO TLS");
    return 0;
}

/* Builds and keeps the proof step of each validator-set change in force (ldg_trust_build
 * keeps what it builds) while the state it is proved from is still in the tree: pruning
 * may drop it later (specs/proofs.md §5). Once the tip moved; cheap when all are kept. */
static void keep_trust(bft *b)
{
    uint64_t tip = ldg_chain_tip(b->n->chain).height;
    if (tip == b->trust_kept_h)
        return;
    b->trust_kept_h = tip;
    ldg_enc e;
    ldg_enc_init(&e);
    uint32_t count;
    char why[256] = "";
    if (ldg_trust_build(b->n->chain, tip, &e, &count, why, sizeof why) != LDG_OK &&
        !b->trust_warned) {
        b->trust_warned = true; /* once: it stays so until a peer's checkpoint brings it */
        net_log(NET_LOG_WARN, "validator-set change: no proof step kept: %s", why);
    }
    ldg_enc_free(&e);
}

void *net_bft_run(void *arg)
{
    net_node *n = arg;
    bft *b = n->bft;
    LDG_ASSERT(b && b->n == n);
    /* A restarted node first catches up with what its peers committed meanwhile. No wait
     * for the dialers: the first request goes out on whichever peer connects first (a req0
     * send waits for a pipe, up to its send timeout). */
    sync_now(b);
    if (!b->observer)
        start_height(b);
    b->next_resend = mono_ms() + NET_BFT_RESEND_MS;
    b->next_sync_check = mono_ms() + 1000;
    uint64_t next_gc = mono_ms() + 1000;
    while (!atomic_load(&n->stopping)) {
        uint64_t now = mono_ms();
        drain_local(b);
        if (now >= next_gc) {
            keep_trust(b);
            net_pool_gc(b->pool, net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms));
            rebroadcast(b, now);
            next_gc = now + 1000;
        }
        bool busy = net_exec_committing(b->exec);
        if (!busy && b->hold.held)
            release_held(b);
        if (!b->observer) {
            /* While the previous block executes, this height's timeouts wait too (no vote
             * is signed before that block is in the store). */
            net_cons_event tev;
            size_t i = 0;
            while (!busy && net_timers_next(&b->timers, &i, now,
                                            (uint64_t)n->cfg.propose_timeout_ms, has_work, b, &tev))
                step(b, &tev);
            if (now >= b->next_resend) {
                net_cons_event ev = {.kind = NET_CONS_EV_RESEND};
                step(b, &ev);
                b->next_resend = now + NET_BFT_RESEND_MS;
            }
            if (b->prop.want && !net_exec_committing(b->exec))
                propose_value(b);
        }
        /* Behind: peers are at a later height for a while, or more than one ahead. */
        uint64_t tipn = decided_height(b, NULL);
        uint64_t peer = atomic_load(&n->peer_height);
        bool behind = peer > tipn;
        atomic_store(&n->behind, peer > tipn + 1);
        if (behind && b->behind_since == 0)
            b->behind_since = now;
        if (!behind)
            b->behind_since = 0;
        if ((behind && now >= b->next_sync_allowed &&
             (peer > tipn + 1 || now - b->behind_since > 600)) ||
            (b->observer && now >= b->next_sync_check)) {
            b->next_sync_check = now + 2000;
            if (sync_now(b)) {
                if (!b->observer)
                    start_height(b);
            } else {
                /* Nothing to be had: claims of a higher tip must be made again (by signed
                 * messages or records), and sync waits a while (a lying peer cannot keep
                 * this thread syncing). */
                atomic_store(&n->peer_height, ldg_chain_tip(n->chain).height);
                b->next_sync_allowed = mono_ms() + 2000;
            }
            b->behind_since = 0;
            continue;
        }
        /* Up to 256 messages, then back to timers and proposals. Each handler frees its
         * item. */
        qitem *it = net_inbox_pop(
            &b->inbox, (b->prop.want && net_pool_size(b->pool)) || b->hold.held ? 2 : 10);
        for (int k = 0; it; k++) {
            if (it->m.kind == NET_P2P_CONS)
                on_cons(b, it);
            else if (it->m.kind == NET_P2P_COMMIT)
                on_commit_rec(b, it);
            else
                net_inbox_item_free(it);
            it = NULL;
            if (k + 1 >= 256 || atomic_load(&n->stopping))
                break;
            it = net_inbox_pop(&b->inbox, 0);
        }
    }
    return NULL;
}

void net_bft_stop(net_node *n)
{
    bft *b = n->bft;
    if (!b || b->n != n)
        return;
    n->bft = NULL;
    bft_free(b);
}
