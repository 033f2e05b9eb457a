/* The consensus core (see net_consensus.h and specs/consensus.md). Line numbers in the
 * comments ("L22") refer to Algorithm 1 of Buchman, Kwon, Milosevic 2018. */
#include "net_consensus.h"

#include <stdlib.h>
#include <string.h>

typedef struct net_cons_slot {
    int64_t round; /* -1: free */
    bool has_proposal;
    bool precommit_dirty; /* a precommit arrived since the last commit check */
    uint64_t prevote_mask;
    uint64_t precommit_mask;
    net_cons_msg proposal;
    net_cons_msg prevotes[NET_CONS_VALIDATORS_MAX];
    net_cons_msg precommits[NET_CONS_VALIDATORS_MAX];
    /* The latest conflicting vote of an equivocating validator. It counts for its block
     * too: quorums intersect in f+1 validators whatever the Byzantine ones signed, and
     * without it a certificate that holds the equivocator's other vote could not be
     * checked by a node that saw the first one. */
    uint64_t alt_prevote_mask;
    uint64_t alt_precommit_mask;
    net_cons_msg alt_prevotes[NET_CONS_VALIDATORS_MAX];
    net_cons_msg alt_precommits[NET_CONS_VALIDATORS_MAX];
} net_cons_slot;

enum { VERDICT_EMPTY = 0, VERDICT_PENDING, VERDICT_VALID, VERDICT_INVALID };

typedef struct net_cons_verdict {
    net_cons_block_id block;
    uint8_t state;
} net_cons_verdict;

struct net_cons {
    net_cons_config cfg;
    net_cons_persisted persisted;
    bool halted;
    uint64_t sign_refusals;
    uint64_t last_commit_height;

    /* Height state. */
    uint64_t height;
    uint32_t round;
    net_cons_step_kind step;
    uint32_t n;
    int32_t self;
    uint8_t validators[NET_CONS_VALIDATORS_MAX][NET_CONS_PUBKEY_LEN];
    int32_t locked_round;
    net_cons_block_id locked_block;
    int32_t valid_round;
    net_cons_block_id valid_block;
    int32_t last_proposer;
    uint64_t seen_mask;
    net_cons_verdict verdicts[NET_CONS_VALIDITY_CACHE];
    size_t verdict_next;
    net_cons_slot slots[NET_CONS_ROUND_SLOTS];

    /* Round state: the "for the first time" flags of Algorithm 1. */
    bool value_requested;
    bool timeout_prevote_done;   /* L34 */
    bool polka_done;             /* L36 */
    bool timeout_precommit_done; /* L47 */

    /* Storage behind the borrowed lists of actions. */
    net_cons_msg pol_buf[NET_CONS_VALIDATORS_MAX];
    net_cons_msg cert_buf[NET_CONS_VALIDATORS_MAX];
    size_t cert_count;
    net_cons_msg relay_buf[4 * NET_CONS_VALIDATORS_MAX];
    net_cons_persisted persist_buf[NET_CONS_PERSISTS_MAX];
    size_t persist_count; /* of this call */
};

/* ---- Small pure helpers ------------------------------------------------------------ */

uint32_t net_cons_proposer(uint64_t height, uint32_t round, uint32_t n)
{
    LDG_ASSERT(n > 0);
    return (uint32_t)((height % n + round % n) % n);
}

uint32_t net_cons_quorum(uint32_t n)
{
    return n - (n - 1) / 3;
}

uint32_t net_cons_weak_quorum(uint32_t n)
{
    return (n - 1) / 3 + 1;
}

static void put_be(uint8_t *out, uint64_t v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
}

size_t net_cons_sign_bytes(uint8_t out[NET_CONS_SIGN_BYTES_MAX], const uint8_t *chain_id,
                           size_t chain_id_len, const net_cons_msg *m)
{
    LDG_ASSERT(chain_id_len <= NET_CONS_CHAIN_ID_LEN_MAX);
    size_t off = 0;
    out[off++] = (uint8_t)chain_id_len;
    memcpy(out + off, chain_id, chain_id_len);
    off += chain_id_len;
    put_be(out + off, m->height, 8);
    off += 8;
    put_be(out + off, m->round, 4);
    off += 4;
    out[off++] = m->type;
    out[off++] = m->has_block ? 1 : 0;
    if (m->has_block)
        memcpy(out + off, m->block.b, NET_CONS_BLOCK_ID_LEN);
    else
        memset(out + off, 0, NET_CONS_BLOCK_ID_LEN);
    off += NET_CONS_BLOCK_ID_LEN;
    put_be(out + off, (uint32_t)m->valid_round, 4);
    off += 4;
    LDG_ASSERT(off <= NET_CONS_SIGN_BYTES_MAX);
    return off;
}

void net_cons_digest(ldg_hash *out, const uint8_t *sign_bytes, size_t len)
{
    ldg_tagged_hash(out, NET_CONS_TAG, sign_bytes, len);
}

static bool block_eq(const net_cons_block_id *a, const net_cons_block_id *b)
{
    return memcmp(a->b, b->b, NET_CONS_BLOCK_ID_LEN) == 0;
}

bool net_cons_msg_same_content(const net_cons_msg *a, const net_cons_msg *b)
{
    if (a->type != b->type || a->height != b->height || a->round != b->round ||
        a->validator != b->validator || a->valid_round != b->valid_round ||
        a->has_block != b->has_block)
        return false;
    return !a->has_block || block_eq(&a->block, &b->block);
}

/* Order of signing: (height, round, type) lexicographically. */
static int cmp_hrt(const net_cons_msg *a, const net_cons_msg *b)
{
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    if (a->round != b->round)
        return a->round < b->round ? -1 : 1;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return 0;
}

static uint32_t timeout_ms(uint32_t base_ms, uint32_t delta_ms, uint32_t round)
{
    uint64_t ms = (uint64_t)base_ms + (uint64_t)round * delta_ms;
    return ms > NET_CONS_TIMEOUT_MS_MAX ? NET_CONS_TIMEOUT_MS_MAX : (uint32_t)ms;
}

const char *net_cons_rc_str(net_cons_rc rc)
{
    static const char *const text[] = {
        [NET_CONS_RC_OK] = "ok",
        [NET_CONS_RC_DUPLICATE] = "duplicate message",
        [NET_CONS_RC_STALE] = "stale: other height, past round or step already left",
        [NET_CONS_RC_NOT_PROPOSER] = "proposal not from the round's proposer",
        [NET_CONS_RC_BAD_SIGNATURE] = "bad signature",
        [NET_CONS_RC_MALFORMED] = "malformed message",
        [NET_CONS_RC_NO_ROOM] = "no round slot for that round",
        [NET_CONS_RC_EQUIVOCATION] = "equivocation: conflicting signed message",
        [NET_CONS_RC_HALTED] = "consensus halted after a signing failure",
    };
    if ((size_t)rc >= LDG_ARRAY_LEN(text) || !text[rc])
        return "unknown";
    return text[rc];
}

/* ---- Actions ----------------------------------------------------------------------- */

static net_cons_action *emit(net_cons_actions *out, net_cons_action_kind kind)
{
    LDG_ASSERT(out->count < NET_CONS_ACTIONS_MAX);
    net_cons_action *a = &out->items[out->count++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    return a;
}

static void schedule(net_cons *c, net_cons_actions *out, net_cons_timeout_kind kind)
{
    const net_cons_config *k = &c->cfg;
    net_cons_action *a = emit(out, NET_CONS_ACT_SCHEDULE_TIMEOUT);
    a->timeout_kind = kind;
    a->height = c->height;
    a->round = c->round;
    if (kind == NET_CONS_TIMEOUT_PROPOSE)
        a->duration_ms = timeout_ms(k->propose_base_ms, k->propose_delta_ms, c->round);
    else if (kind == NET_CONS_TIMEOUT_PREVOTE)
        a->duration_ms = timeout_ms(k->prevote_base_ms, k->prevote_delta_ms, c->round);
    else
        a->duration_ms = timeout_ms(k->precommit_base_ms, k->precommit_delta_ms, c->round);
}

static void broadcast(net_cons_actions *out, const net_cons_msg *m, const net_cons_msg *list,
                      size_t count)
{
    net_cons_action *a = emit(out, NET_CONS_ACT_BROADCAST);
    a->msg = *m;
    a->list = list;
    a->list_count = count;
}

/* ---- Round slots ------------------------------------------------------------------- */

static net_cons_slot *slot_find(net_cons *c, int64_t round)
{
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS; i++)
        if (c->slots[i].round == round && round >= 0)
            return &c->slots[i];
    return NULL;
}

/* The valid round named by the current round's proposal: its polka decides L28. */
static int64_t proposal_vr(const net_cons *c)
{
    const net_cons_slot *s = NULL;
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS && !s; i++)
        if (c->slots[i].round == c->round)
            s = &c->slots[i];
    return s && s->has_proposal ? s->proposal.valid_round : -1;
}

static bool slot_pinned(const net_cons *c, int64_t round)
{
    return round >= 0 && (round == c->round || round == c->locked_round ||
                          round == c->valid_round || round == proposal_vr(c));
}

/* The slot to give up for `round`: the oldest unpinned past round, else (for a round not
 * in the past) the furthest future round beyond it. A pinned round takes any unpinned
 * slot. NULL: keep what we have. */
static net_cons_slot *slot_victim(net_cons *c, int64_t round)
{
    net_cons_slot *old = NULL, *future = NULL;
    bool pinned = slot_pinned(c, round);
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS; i++) {
        net_cons_slot *s = &c->slots[i];
        if (slot_pinned(c, s->round))
            continue;
        if (s->round < c->round && (!old || s->round < old->round))
            old = s;
        if (s->round > c->round && (!future || s->round > future->round))
            future = s;
    }
    if (old && (pinned || round >= c->round || round > old->round))
        return old;
    if (future && (pinned || (round >= c->round && future->round > round)))
        return future;
    return NULL;
}

static net_cons_slot *slot_claim(net_cons *c, int64_t round)
{
    net_cons_slot *s = slot_find(c, round);
    if (s)
        return s;
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS && !s; i++)
        if (c->slots[i].round < 0)
            s = &c->slots[i];
    if (!s)
        s = slot_victim(c, round);
    if (!s)
        return NULL;
    s->round = round;
    s->has_proposal = false;
    s->precommit_dirty = false;
    s->prevote_mask = 0;
    s->precommit_mask = 0;
    s->alt_prevote_mask = 0;
    s->alt_precommit_mask = 0;
    return s;
}

static bool vote_is_for(const net_cons_msg *m, const net_cons_block_id *block)
{
    return block ? (m->has_block && block_eq(&m->block, block)) : !m->has_block;
}

/* Validator v's vote of `type` in s for block (NULL: nil), first or conflicting, or NULL. */
static const net_cons_msg *slot_vote_for(const net_cons_slot *s, uint8_t type, uint32_t v,
                                         const net_cons_block_id *block)
{
    bool pre = type == NET_CONS_PREVOTE;
    uint64_t bit = 1ull << v;
    const net_cons_msg *m = pre ? &s->prevotes[v] : &s->precommits[v];
    const net_cons_msg *alt = pre ? &s->alt_prevotes[v] : &s->alt_precommits[v];
    if (((pre ? s->prevote_mask : s->precommit_mask) & bit) && vote_is_for(m, block))
        return m;
    if (((pre ? s->alt_prevote_mask : s->alt_precommit_mask) & bit) && vote_is_for(alt, block))
        return alt;
    return NULL;
}

/* Votes in s of `type` for block (NULL: nil). */
static uint32_t count_votes(const net_cons_slot *s, uint8_t type, const net_cons_block_id *block)
{
    uint64_t mask = type == NET_CONS_PREVOTE ? s->prevote_mask : s->precommit_mask;
    uint32_t count = 0;
    for (; mask; mask &= mask - 1)
        if (slot_vote_for(s, type, (uint32_t)__builtin_ctzll(mask), block))
            count++;
    return count;
}

/* Copies the votes of `type` in s for block into dst, by validator. Returns how many. */
static size_t collect_votes(net_cons_msg *dst, const net_cons_slot *s, uint8_t type,
                            const net_cons_block_id *block)
{
    uint64_t mask = type == NET_CONS_PREVOTE ? s->prevote_mask : s->precommit_mask;
    size_t count = 0;
    for (; mask; mask &= mask - 1) {
        const net_cons_msg *m = slot_vote_for(s, type, (uint32_t)__builtin_ctzll(mask), block);
        if (m)
            dst[count++] = *m;
    }
    return count;
}

/* Keeps one conflicting vote per validator: the one whose block has the most support, so
 * that a Byzantine validator sending a third and fourth vote cannot push out the one a
 * polka or a certificate is made of. */
static void slot_store_alt(net_cons_slot *s, const net_cons_msg *m)
{
    bool pre = m->type == NET_CONS_PREVOTE;
    uint64_t *mask = pre ? &s->alt_prevote_mask : &s->alt_precommit_mask;
    net_cons_msg *alt = pre ? &s->alt_prevotes[m->validator] : &s->alt_precommits[m->validator];
    uint64_t bit = 1ull << m->validator;
    if (m->type == NET_CONS_PROPOSAL)
        return;
    if ((*mask & bit) && count_votes(s, m->type, m->has_block ? &m->block : NULL) <=
                             count_votes(s, m->type, alt->has_block ? &alt->block : NULL))
        return;
    *alt = *m;
    *mask |= bit;
    if (!pre)
        s->precommit_dirty = true;
}

static void slot_store(net_cons_slot *s, const net_cons_msg *m)
{
    uint64_t bit = 1ull << m->validator;
    if (m->type == NET_CONS_PROPOSAL) {
        s->proposal = *m;
        s->has_proposal = true;
    } else if (m->type == NET_CONS_PREVOTE) {
        s->prevotes[m->validator] = *m;
        s->prevote_mask |= bit;
    } else {
        s->precommits[m->validator] = *m;
        s->precommit_mask |= bit;
        s->precommit_dirty = true;
    }
}

static const net_cons_msg *slot_existing(const net_cons_slot *s, const net_cons_msg *m)
{
    uint64_t bit = 1ull << m->validator;
    if (m->type == NET_CONS_PROPOSAL)
        return s->has_proposal ? &s->proposal : NULL;
    if (m->type == NET_CONS_PREVOTE)
        return (s->prevote_mask & bit) ? &s->prevotes[m->validator] : NULL;
    return (s->precommit_mask & bit) ? &s->precommits[m->validator] : NULL;
}

/* ---- Block validity verdicts -------------------------------------------------------- */

static net_cons_verdict *verdict_find(net_cons *c, const net_cons_block_id *block)
{
    for (size_t i = 0; i < NET_CONS_VALIDITY_CACHE; i++)
        if (c->verdicts[i].state != VERDICT_EMPTY && block_eq(&c->verdicts[i].block, block))
            return &c->verdicts[i];
    return NULL;
}

static net_cons_verdict *verdict_add(net_cons *c, const net_cons_block_id *block, uint8_t state)
{
    net_cons_verdict *v = verdict_find(c, block);
    if (!v) {
        v = &c->verdicts[c->verdict_next];
        c->verdict_next = (c->verdict_next + 1) % NET_CONS_VALIDITY_CACHE;
        v->block = *block;
    }
    v->state = state;
    return v;
}

static uint8_t verdict_state(net_cons *c, const net_cons_block_id *block)
{
    const net_cons_verdict *v = verdict_find(c, block);
    return v ? v->state : VERDICT_EMPTY;
}

static void request_validation(net_cons *c, net_cons_actions *out, const net_cons_block_id *b)
{
    if (verdict_state(c, b) != VERDICT_EMPTY)
        return;
    verdict_add(c, b, VERDICT_PENDING);
    net_cons_action *a = emit(out, NET_CONS_ACT_REQUEST_VALIDATION);
    a->height = c->height;
    a->block = *b;
}

/* ---- Signing ----------------------------------------------------------------------- */

static size_t polka_into(net_cons *c, int32_t vr, const net_cons_block_id *block)
{
    const net_cons_slot *s = slot_find(c, vr);
    return s ? collect_votes(c->pol_buf, s, NET_CONS_PREVOTE, block) : 0;
}

static void broadcast_own(net_cons *c, net_cons_actions *out, const net_cons_msg *m)
{
    size_t pol = 0;
    if (m->type == NET_CONS_PROPOSAL && m->valid_round >= 0)
        pol = polka_into(c, m->valid_round, &m->block);
    broadcast(out, m, c->pol_buf, pol);
}

/* Signs m (filling m->sig), persists, broadcasts. Never signs anything that conflicts
 * with the persisted last-signed message: an equal one is re-sent with its old
 * signature, a lower or conflicting one is refused. Returns whether m is now signed. */
static bool sign_and_send(net_cons *c, net_cons_actions *out, net_cons_msg *m)
{
    const net_cons_msg *last = &c->persisted.last;
    if (last->type != 0) {
        int cmp = cmp_hrt(m, last);
        if (cmp == 0 && net_cons_msg_same_content(m, last)) {
            memcpy(m->sig, last->sig, NET_CONS_SIG_LEN);
            broadcast_own(c, out, m);
            return true;
        }
        if (cmp <= 0) {
            c->sign_refusals++;
            return false;
        }
    }
    uint8_t bytes[NET_CONS_SIGN_BYTES_MAX];
    size_t len = net_cons_sign_bytes(bytes, c->cfg.chain_id, c->cfg.chain_id_len, m);
    if (!c->cfg.crypto.sign(c->cfg.crypto.ctx, m->sig, bytes, len)) {
        c->halted = true;
        return false;
    }
    net_cons_msg(*own)[3] = c->persisted.round_own;
    if (last->height != m->height || last->round != m->round) {
        if (last->height == m->height)
            memcpy(own[1], own[0], sizeof own[0]);
        else
            memset(own[1], 0, sizeof own[1]);
        memset(own[0], 0, sizeof own[0]);
    }
    own[0][m->type - 1] = *m;
    c->persisted.last = *m;
    LDG_ASSERT(c->persisted.locked_round == c->locked_round);
    LDG_ASSERT(c->persist_count < NET_CONS_PERSISTS_MAX);
    net_cons_persisted *snap = &c->persist_buf[c->persist_count++];
    *snap = c->persisted;
    emit(out, NET_CONS_ACT_PERSIST)->persisted = snap;
    broadcast_own(c, out, m);
    return true;
}

static net_cons_msg own_msg(const net_cons *c, uint8_t type, const net_cons_block_id *block)
{
    net_cons_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.height = c->height;
    m.round = c->round;
    m.valid_round = -1;
    m.validator = (uint16_t)(c->self < 0 ? 0 : c->self);
    if (block) {
        m.has_block = true;
        m.block = *block;
    }
    return m;
}

/* Casts this node's prevote or precommit (block NULL: nil) and moves to that step. An
 * observer (not in the set) moves without voting. */
static void vote(net_cons *c, net_cons_actions *out, uint8_t type, const net_cons_block_id *b)
{
    c->step = type == NET_CONS_PREVOTE ? NET_CONS_STEP_PREVOTE : NET_CONS_STEP_PRECOMMIT;
    if (c->self < 0)
        return;
    net_cons_msg m = own_msg(c, type, b);
    if (sign_and_send(c, out, &m))
        slot_store(slot_find(c, c->round), &m);
}

static void propose(net_cons *c, net_cons_actions *out, const net_cons_block_id *block,
                    int32_t valid_round)
{
    net_cons_msg m = own_msg(c, NET_CONS_PROPOSAL, block);
    m.valid_round = valid_round;
    verdict_add(c, block, VERDICT_VALID);
    if (sign_and_send(c, out, &m)) {
        slot_store(slot_find(c, c->round), &m);
        c->last_proposer = c->self;
    }
}

/* ---- Rounds ------------------------------------------------------------------------ */

static bool is_proposer(const net_cons *c)
{
    return c->self >= 0 && net_cons_proposer(c->height, c->round, c->n) == (uint32_t)c->self;
}

static void propose_or_request(net_cons *c, net_cons_actions *out)
{
    const net_cons_msg *last = &c->persisted.last;
    if (last->type == NET_CONS_PROPOSAL && last->height == c->height && last->round == c->round)
        propose(c, out, &last->block, last->valid_round); /* re-send after a restart */
    else if (c->valid_round >= 0)
        propose(c, out, &c->valid_block, c->valid_round); /* L16 */
    else if (!c->value_requested) {
        c->value_requested = true;
        net_cons_action *a = emit(out, NET_CONS_ACT_REQUEST_VALUE);
        a->height = c->height;
        a->round = c->round;
    }
}

/* After a restart inside this round: take back the vote already signed and its step. */
static bool resume_round(net_cons *c, net_cons_actions *out)
{
    const net_cons_msg *last = &c->persisted.last;
    if (c->self < 0 || last->height != c->height || last->round != c->round ||
        last->type < NET_CONS_PREVOTE || last->validator != (uint16_t)c->self)
        return false;
    for (int t = NET_CONS_PROPOSAL; t <= NET_CONS_PRECOMMIT; t++) {
        const net_cons_msg *m = &c->persisted.round_own[0][t - 1];
        if (m->type != t || m->height != c->height || m->round != c->round)
            continue;
        slot_store(slot_find(c, c->round), m);
        broadcast_own(c, out, m);
    }
    c->step = last->type == NET_CONS_PREVOTE ? NET_CONS_STEP_PREVOTE : NET_CONS_STEP_PRECOMMIT;
    return true;
}

/* StartRound (L10). */
static void start_round(net_cons *c, net_cons_actions *out, uint32_t round)
{
    c->round = round;
    c->step = NET_CONS_STEP_PROPOSE;
    c->value_requested = false;
    c->timeout_prevote_done = false;
    c->polka_done = false;
    c->timeout_precommit_done = false;
    LDG_ASSERT(slot_claim(c, round) != NULL);
    if (resume_round(c, out))
        return;
    /* The proposer schedules the timeout too, in case its application never answers. */
    schedule(c, out, NET_CONS_TIMEOUT_PROPOSE);
    if (is_proposer(c))
        propose_or_request(c, out);
}

static void commit(net_cons *c, net_cons_actions *out, const net_cons_slot *s,
                   const net_cons_block_id *block)
{
    c->cert_count = collect_votes(c->cert_buf, s, NET_CONS_PRECOMMIT, block);
    net_cons_action *a = emit(out, NET_CONS_ACT_COMMIT);
    a->height = c->height;
    a->round = (uint32_t)s->round;
    a->block = *block;
    a->list = c->cert_buf;
    a->list_count = c->cert_count;
    c->step = NET_CONS_STEP_COMMITTED;
    c->last_commit_height = c->height;
}

/* L49, with one deliberate difference: 2f+1 precommits for a block decide it even if
 * this node never saw the proposal (f+1 honest validators checked it; the driver
 * fetches the block by id). */
static bool rule_commit(net_cons *c, net_cons_actions *out)
{
    uint32_t q = net_cons_quorum(c->n);
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS; i++) {
        net_cons_slot *s = &c->slots[i];
        if (s->round < 0 || !s->precommit_dirty)
            continue;
        s->precommit_dirty = false;
        if ((uint32_t)__builtin_popcountll(s->precommit_mask) < q)
            continue;
        for (uint64_t mask = s->precommit_mask; mask; mask &= mask - 1) {
            uint32_t v = (uint32_t)__builtin_ctzll(mask);
            const net_cons_msg *cand[2] = {&s->precommits[v], &s->alt_precommits[v]};
            for (int k = 0; k < ((s->alt_precommit_mask >> v) & 1 ? 2 : 1); k++) {
                if (cand[k]->has_block &&
                    count_votes(s, NET_CONS_PRECOMMIT, &cand[k]->block) >= q) {
                    net_cons_block_id block = cand[k]->block;
                    commit(c, out, s, &block);
                    return true;
                }
            }
        }
    }
    return false;
}

static uint64_t slot_senders(const net_cons_slot *s)
{
    uint64_t mask = s->prevote_mask | s->precommit_mask;
    if (s->has_proposal)
        mask |= 1ull << s->proposal.validator;
    return mask;
}

/* L55: f+1 validators are in a later round: go there. */
static bool rule_skip(net_cons *c, net_cons_actions *out)
{
    int64_t best = -1;
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS; i++) {
        const net_cons_slot *s = &c->slots[i];
        if (s->round > (int64_t)c->round && s->round > best &&
            (uint32_t)__builtin_popcountll(slot_senders(s)) >= net_cons_weak_quorum(c->n))
            best = s->round;
    }
    if (best < 0)
        return false;
    start_round(c, out, (uint32_t)best);
    return true;
}

static bool lock_allows(const net_cons *c, const net_cons_block_id *b, int32_t vr)
{
    if (c->cfg.mutation == NET_CONS_MUTATION_NO_LOCK)
        return true;
    return c->locked_round <= vr || block_eq(&c->locked_block, b);
}

/* L22 (valid_round -1) and L28 (valid_round >= 0 with its polka). */
static bool rule_proposal(net_cons *c, net_cons_actions *out)
{
    const net_cons_slot *s = slot_find(c, c->round);
    if (c->step != NET_CONS_STEP_PROPOSE || !s->has_proposal)
        return false;
    const net_cons_msg *p = &s->proposal;
    uint8_t verdict = verdict_state(c, &p->block);
    if (verdict != VERDICT_VALID && verdict != VERDICT_INVALID)
        return false;
    if (p->valid_round >= 0) {
        const net_cons_slot *vs = slot_find(c, p->valid_round);
        if (!vs || count_votes(vs, NET_CONS_PREVOTE, &p->block) < net_cons_quorum(c->n))
            return false;
    }
    net_cons_block_id block = p->block;
    bool ok = verdict == VERDICT_VALID && lock_allows(c, &block, p->valid_round);
    vote(c, out, NET_CONS_PREVOTE, ok ? &block : NULL);
    return true;
}

/* L34 and L47: 2f+1 votes of any kind in this round: schedule the step's timeout. */
static bool rule_timeouts(net_cons *c, net_cons_actions *out)
{
    const net_cons_slot *s = slot_find(c, c->round);
    uint32_t q = net_cons_quorum(c->n);
    if (c->step == NET_CONS_STEP_PREVOTE && !c->timeout_prevote_done &&
        (uint32_t)__builtin_popcountll(s->prevote_mask) >= q) {
        c->timeout_prevote_done = true;
        schedule(c, out, NET_CONS_TIMEOUT_PREVOTE);
        return true;
    }
    if (!c->timeout_precommit_done && (uint32_t)__builtin_popcountll(s->precommit_mask) >= q) {
        c->timeout_precommit_done = true;
        schedule(c, out, NET_CONS_TIMEOUT_PRECOMMIT);
        return true;
    }
    return false;
}

/* Sets the lock and its proof; both reach the disk with the precommit that follows. */
static void lock(net_cons *c, const net_cons_block_id *block, int32_t round)
{
    c->locked_block = *block;
    c->locked_round = round;
    c->persisted.locked_block = *block;
    c->persisted.locked_round = round;
    c->persisted.lock_pol_count = (uint32_t)polka_into(c, round, block);
    memcpy(c->persisted.lock_pol, c->pol_buf, c->persisted.lock_pol_count * sizeof(net_cons_msg));
}

/* L36: a polka for the round's valid proposal: lock (if still prevoting) and remember. */
static bool rule_polka(net_cons *c, net_cons_actions *out)
{
    const net_cons_slot *s = slot_find(c, c->round);
    if (c->step < NET_CONS_STEP_PREVOTE || c->polka_done || !s->has_proposal)
        return false;
    net_cons_block_id block = s->proposal.block;
    if (verdict_state(c, &block) != VERDICT_VALID ||
        count_votes(s, NET_CONS_PREVOTE, &block) < net_cons_quorum(c->n))
        return false;
    c->polka_done = true;
    if (c->step == NET_CONS_STEP_PREVOTE) {
        lock(c, &block, (int32_t)c->round);
        vote(c, out, NET_CONS_PRECOMMIT, &block);
    }
    c->valid_block = block;
    c->valid_round = (int32_t)c->round;
    return true;
}

/* L44: a polka for nil. */
static bool rule_nil_polka(net_cons *c, net_cons_actions *out)
{
    const net_cons_slot *s = slot_find(c, c->round);
    if (c->step != NET_CONS_STEP_PREVOTE ||
        count_votes(s, NET_CONS_PREVOTE, NULL) < net_cons_quorum(c->n))
        return false;
    vote(c, out, NET_CONS_PRECOMMIT, NULL);
    return true;
}

/* Applies the upon-rules until none fires. Each firing moves the step or the round
 * forward or sets a once-per-round flag, so the loop is short; the bound is a guard. */
static void progress(net_cons *c, net_cons_actions *out)
{
    for (int i = 0; i < 64; i++) {
        if (c->halted || c->step == NET_CONS_STEP_COMMITTED || c->step == NET_CONS_STEP_IDLE)
            return;
        if (rule_commit(c, out))
            return;
        if (rule_skip(c, out) || rule_proposal(c, out) || rule_polka(c, out) ||
            rule_nil_polka(c, out) || rule_timeouts(c, out))
            continue;
        return;
    }
    LDG_ASSERT(!"consensus rules did not settle");
}

/* ---- Events ------------------------------------------------------------------------ */

/* Restart within a height: the round, the lock and its proof survive (specs, Recovery). */
static void restore_lock(net_cons *c)
{
    const net_cons_persisted *p = &c->persisted;
    c->round = p->last.round;
    for (int t = NET_CONS_PREVOTE; t <= NET_CONS_PRECOMMIT; t++) {
        const net_cons_msg *m = &p->round_own[1][t - 1];
        net_cons_slot *s;
        if (m->type == t && m->height == c->height && m->validator < c->n &&
            (s = slot_claim(c, m->round)))
            slot_store(s, m); /* the resend relays them */
    }
    if (p->locked_round < 0)
        return;
    c->locked_round = p->locked_round;
    c->locked_block = p->locked_block;
    c->valid_round = p->locked_round;
    c->valid_block = p->locked_block;
    net_cons_slot *s = slot_claim(c, p->locked_round);
    LDG_ASSERT(s != NULL && p->lock_pol_count <= c->n);
    for (uint32_t i = 0; i < p->lock_pol_count; i++)
        if (p->lock_pol[i].validator < c->n)
            slot_store(s, &p->lock_pol[i]);
}

static net_cons_rc on_start_height(net_cons *c, net_cons_actions *out, const net_cons_event *ev)
{
    LDG_ASSERT(ev->validator_count >= 1 && ev->validator_count <= NET_CONS_VALIDATORS_MAX);
    LDG_ASSERT(ev->validators != NULL);
    LDG_ASSERT(c->step == NET_CONS_STEP_IDLE || ev->height > c->height);
    c->height = ev->height;
    c->n = (uint32_t)ev->validator_count;
    c->self = -1;
    for (uint32_t i = 0; i < c->n; i++) {
        memcpy(c->validators[i], ev->validators[i], NET_CONS_PUBKEY_LEN);
        if (memcmp(ev->validators[i], c->cfg.self_pubkey, NET_CONS_PUBKEY_LEN) == 0)
            c->self = (int32_t)i;
    }
    memset(c->verdicts, 0, sizeof c->verdicts);
    c->verdict_next = 0;
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS; i++)
        c->slots[i].round = -1;
    c->last_proposer = -1;
    c->seen_mask = 0;
    c->locked_round = -1;
    c->valid_round = -1;
    memset(&c->locked_block, 0, sizeof c->locked_block);
    memset(&c->valid_block, 0, sizeof c->valid_block);
    net_cons_persisted *p = &c->persisted;
    if (p->last.type != 0 && p->last.height == c->height) {
        restore_lock(c);
        start_round(c, out, p->last.round);
    } else {
        p->locked_round = -1; /* a new height: no lock yet (on disk with the next vote) */
        memset(&p->locked_block, 0, sizeof p->locked_block);
        p->lock_pol_count = 0;
        start_round(c, out, 0);
    }
    progress(c, out);
    return NET_CONS_RC_OK;
}

static bool msg_well_formed(const net_cons *c, const net_cons_msg *m)
{
    static const net_cons_block_id zero;
    if (m->validator >= c->n || m->round > NET_CONS_ROUND_MAX)
        return false;
    if (m->type == NET_CONS_PROPOSAL)
        return m->has_block && m->valid_round >= -1 && m->valid_round < (int64_t)m->round;
    if (m->type != NET_CONS_PREVOTE && m->type != NET_CONS_PRECOMMIT)
        return false;
    return m->valid_round == -1 && (m->has_block || block_eq(&m->block, &zero));
}

static bool msg_verify(const net_cons *c, const net_cons_msg *m)
{
    uint8_t bytes[NET_CONS_SIGN_BYTES_MAX];
    size_t len = net_cons_sign_bytes(bytes, c->cfg.chain_id, c->cfg.chain_id_len, m);
    return c->cfg.crypto.verify(c->cfg.crypto.ctx, c->validators[m->validator], bytes, len, m->sig);
}

static net_cons_rc msg_check(const net_cons *c, const net_cons_msg *m)
{
    if (c->step == NET_CONS_STEP_IDLE || m->height != c->height)
        return NET_CONS_RC_STALE;
    if (!msg_well_formed(c, m))
        return NET_CONS_RC_MALFORMED;
    if (m->type == NET_CONS_PROPOSAL && m->round < c->round)
        return NET_CONS_RC_STALE; /* only the current round's proposal is ever used */
    if (m->type == NET_CONS_PROPOSAL &&
        net_cons_proposer(c->height, m->round, c->n) != m->validator)
        return NET_CONS_RC_NOT_PROPOSER;
    return NET_CONS_RC_OK;
}

/* Whether s already holds m as a vote (first or conflicting). */
static bool slot_vote_for_msg(const net_cons_slot *s, const net_cons_msg *m)
{
    if (m->type == NET_CONS_PROPOSAL)
        return false;
    const net_cons_msg *v =
        slot_vote_for(s, m->type, m->validator, m->has_block ? &m->block : NULL);
    return v && net_cons_msg_same_content(v, m);
}

static net_cons_rc on_message(net_cons *c, net_cons_actions *out, const net_cons_msg *m)
{
    net_cons_rc rc = msg_check(c, m);
    if (rc != NET_CONS_RC_OK)
        return rc;
    net_cons_slot *s = slot_find(c, m->round);
    const net_cons_msg *old = s ? slot_existing(s, m) : NULL;
    if (old && (net_cons_msg_same_content(old, m) || slot_vote_for_msg(s, m)))
        return NET_CONS_RC_DUPLICATE; /* also covers a re-signed copy of the same vote */
    if (!msg_verify(c, m))
        return NET_CONS_RC_BAD_SIGNATURE; /* verify before a slot may be evicted for it */
    c->seen_mask |= 1ull << m->validator;
    if (old) {
        net_cons_action *a = emit(out, NET_CONS_ACT_EVIDENCE);
        a->height = c->height;
        a->round = m->round;
        a->msg = *old;
        a->msg2 = *m;
        slot_store_alt(s, m);
        if (c->step != NET_CONS_STEP_COMMITTED)
            progress(c, out);
        return NET_CONS_RC_EQUIVOCATION;
    }
    if (!s && !(s = slot_claim(c, m->round)))
        return NET_CONS_RC_NO_ROOM;
    slot_store(s, m);
    if (m->type == NET_CONS_PROPOSAL) {
        c->last_proposer = m->validator;
        request_validation(c, out, &m->block);
    }
    if (c->step != NET_CONS_STEP_COMMITTED)
        progress(c, out);
    return NET_CONS_RC_OK;
}

static net_cons_rc on_timeout(net_cons *c, net_cons_actions *out, const net_cons_event *ev)
{
    if (ev->height != c->height || ev->round != c->round || c->step == NET_CONS_STEP_IDLE ||
        c->step == NET_CONS_STEP_COMMITTED)
        return NET_CONS_RC_STALE;
    if (ev->timeout_kind == NET_CONS_TIMEOUT_PROPOSE && c->step == NET_CONS_STEP_PROPOSE)
        vote(c, out, NET_CONS_PREVOTE, NULL); /* L57 */
    else if (ev->timeout_kind == NET_CONS_TIMEOUT_PREVOTE && c->step == NET_CONS_STEP_PREVOTE)
        vote(c, out, NET_CONS_PRECOMMIT, NULL); /* L61 */
    else if (ev->timeout_kind == NET_CONS_TIMEOUT_PRECOMMIT && c->round < NET_CONS_ROUND_MAX)
        start_round(c, out, c->round + 1); /* L65 */
    else
        return NET_CONS_RC_STALE;
    progress(c, out);
    return NET_CONS_RC_OK;
}

static net_cons_rc on_value(net_cons *c, net_cons_actions *out, const net_cons_event *ev)
{
    const net_cons_slot *s = slot_find(c, c->round);
    if (ev->height != c->height || ev->round != c->round || c->step != NET_CONS_STEP_PROPOSE ||
        !is_proposer(c) || s->has_proposal || c->valid_round >= 0)
        return NET_CONS_RC_STALE;
    propose(c, out, &ev->block, -1);
    progress(c, out);
    return NET_CONS_RC_OK;
}

static net_cons_rc on_validity(net_cons *c, net_cons_actions *out, const net_cons_event *ev)
{
    if (ev->height != c->height || c->step == NET_CONS_STEP_IDLE)
        return NET_CONS_RC_STALE;
    verdict_add(c, &ev->block, ev->valid ? VERDICT_VALID : VERDICT_INVALID);
    if (c->step != NET_CONS_STEP_COMMITTED)
        progress(c, out);
    return NET_CONS_RC_OK;
}

/* All votes held for this round and the one before, own or not, as one BROADCAST: the
 * gossip Algorithm 1 assumes (after GST every message an honest node received reaches
 * every honest node). A peer one round behind needs them to time out. */
static void relay_votes(net_cons *c, net_cons_actions *out)
{
    size_t count = 0;
    for (int64_t r = (int64_t)c->round - 1; r <= (int64_t)c->round; r++) {
        const net_cons_slot *s = slot_find(c, r);
        if (!s)
            continue;
        for (uint64_t mask = s->prevote_mask; mask; mask &= mask - 1)
            c->relay_buf[count++] = s->prevotes[__builtin_ctzll(mask)];
        for (uint64_t mask = s->precommit_mask; mask; mask &= mask - 1)
            c->relay_buf[count++] = s->precommits[__builtin_ctzll(mask)];
    }
    if (count)
        broadcast(out, &c->relay_buf[0], c->relay_buf + 1, count - 1);
}

/* Messages are resent until superseded: the current round's proposal (if ours) and the
 * votes of this round and the last, or after a commit the certificate (peers still at
 * this height need it to decide). */
static net_cons_rc on_resend(net_cons *c, net_cons_actions *out)
{
    if (c->step == NET_CONS_STEP_IDLE)
        return NET_CONS_RC_STALE;
    if (c->step == NET_CONS_STEP_COMMITTED) {
        broadcast(out, &c->cert_buf[0], c->cert_buf + 1, c->cert_count - 1);
        return NET_CONS_RC_OK;
    }
    const net_cons_slot *cur = slot_find(c, c->round);
    if (c->self >= 0 && cur->has_proposal && cur->proposal.validator == (uint16_t)c->self)
        broadcast_own(c, out, &cur->proposal);
    relay_votes(c, out);
    return NET_CONS_RC_OK;
}

net_cons_rc net_cons_step(net_cons *c, net_cons_actions *out, const net_cons_event *ev)
{
    LDG_ASSERT(c && out && ev);
    out->count = 0;
    c->persist_count = 0;
    if (c->halted)
        return NET_CONS_RC_HALTED;
    switch (ev->kind) {
    case NET_CONS_EV_START_HEIGHT:
        return on_start_height(c, out, ev);
    case NET_CONS_EV_MESSAGE:
        return on_message(c, out, &ev->msg);
    case NET_CONS_EV_TIMEOUT:
        return on_timeout(c, out, ev);
    case NET_CONS_EV_VALUE:
        return on_value(c, out, ev);
    case NET_CONS_EV_VALIDITY:
        return on_validity(c, out, ev);
    case NET_CONS_EV_RESEND:
        return on_resend(c, out);
    }
    LDG_ASSERT(!"unknown consensus event");
    return NET_CONS_RC_MALFORMED;
}

/* ---- Lifecycle and status ----------------------------------------------------------- */

net_cons *net_cons_create(const net_cons_config *cfg)
{
    LDG_ASSERT(cfg && cfg->chain_id_len <= NET_CONS_CHAIN_ID_LEN_MAX);
    LDG_ASSERT(cfg->crypto.sign && cfg->crypto.verify);
    net_cons *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    c->cfg.restored = NULL;
    c->persisted.locked_round = -1;
    if (cfg->restored)
        c->persisted = *cfg->restored;
    c->step = NET_CONS_STEP_IDLE;
    c->self = -1;
    c->locked_round = -1;
    c->valid_round = -1;
    c->last_proposer = -1;
    for (size_t i = 0; i < NET_CONS_ROUND_SLOTS; i++)
        c->slots[i].round = -1;
    return c;
}

void net_cons_destroy(net_cons *c)
{
    free(c);
}

void net_cons_status_get(const net_cons *c, net_cons_status *out)
{
    memset(out, 0, sizeof *out);
    out->height = c->height;
    out->round = c->round;
    out->step = c->step;
    out->self_index = c->self;
    out->validator_count = c->n;
    out->proposer = c->n ? (int32_t)net_cons_proposer(c->height, c->round, c->n) : -1;
    out->last_proposer = c->last_proposer;
    out->seen_mask = c->seen_mask;
    out->locked_round = c->locked_round;
    out->valid_round = c->valid_round;
    out->last_commit_height = c->last_commit_height;
    out->sign_refusals = c->sign_refusals;
}
