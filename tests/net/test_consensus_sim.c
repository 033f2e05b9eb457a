/* Seeded deterministic simulator for the consensus core (net/net_consensus.h).
 *
 * n validators in one process on a virtual clock and a virtual network that drops,
 * delays, duplicates and reorders messages, partitions and heals, crashes validators and
 * restarts them from their persisted signing state, with one Byzantine validator that
 * equivocates (two proposals, conflicting votes). Checked on every run: agreement,
 * validity, well-formed certificates, no honest double-signing, persist-before-send, and
 * liveness after the network heals (GST). A configuration with `change_at` changes the
 * validator set mid-run (consensus.md §1a): node n (not in the first set) replaces node
 * n-1 from that height on, at the same index; every node's core is started at each height
 * with that height's set, certificates are checked against it, and liveness must carry
 * the chain past the change. With `grow`, node n joins instead (the set grows by one):
 * from one validator to two, the lone validator must not certify alone past the change.
 *
 * A failing seed is printed; FOLIO_TEST_SEED=<seed> replays it (in every configuration),
 * FOLIO_SIM_SEEDS=<n> changes the number of seeds per configuration, FOLIO_SIM_TRACE=1
 * prints the event trace of a replay to stderr. */
#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/net_consensus.h"
#include "cons_testkit.h"

#define SIM_NODES_MAX 7
#define SIM_QUEUE_MAX (1u << 15)
#define SIM_HEIGHTS_MAX 512
#define SIM_SIGNED_MAX 4096 /* per node, per run: (h, r, type) signed */
#define SIM_PROPOSED_MAX 4096
#define SIM_INVALID_TAG 0xEE /* block ids starting with this byte are invalid */
#define SIM_RESEND_MS 400
#define SIM_LIVENESS_MS 120000 /* after GST, every honest node commits 2 more heights */

/* ---- Randomness: splitmix64, seeded per run ----------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(rng_next(s) % n);
}

static bool rng_chance(uint64_t *s, uint32_t per_mille)
{
    return rng_below(s, 1000) < per_mille;
}

/* ---- Configuration of one suite case ------------------------------------------------ */

typedef struct sim_params {
    const char *name;
    uint32_t n;
    bool byzantine;           /* validator n-1 equivocates */
    uint32_t crash_per_mille; /* chance per chaos tick that some node crashes */
    net_cons_mutation mutation;
    uint32_t seeds;
    uint64_t change_at; /* 0: one set; else node n replaces node n-1 from this height */
    bool stale_driver;  /* mutant driver: starts every height with the first set (the node
                           before validator-set changes), while the chain's set changed */
    bool grow;          /* with change_at: node n is added (n + 1 validators from then) */
} sim_params;

/* ---- The simulated world ------------------------------------------------------------ */

enum sim_ev_kind {
    SE_DELIVER = 1,
    SE_TIMEOUT,
    SE_VALUE,
    SE_VALIDITY,
    SE_RESEND,
    SE_START,
    SE_RESTART,
    SE_CHAOS,
    SE_GST,
};

typedef struct sim_ev {
    uint64_t time_ms;
    uint64_t seq;
    uint8_t kind;
    uint8_t node;
    uint8_t from;   /* SE_DELIVER: sender */
    uint32_t epoch; /* node incarnation the event belongs to (timers die with a crash) */
    net_cons_event ev;
} sim_ev;

typedef struct sim_signed {
    uint32_t gen;
    net_cons_msg msg;
} sim_signed;

typedef struct sim_node {
    net_cons *core;
    cons_key key;
    bool up;
    uint32_t epoch;
    uint32_t group; /* partition side */
    bool has_persisted;
    net_cons_persisted persisted; /* the "disk": survives crashes */
    uint64_t committed;           /* highest committed height (block store, survives) */
    sim_signed signed_log[SIM_SIGNED_MAX];
} sim_node;

typedef struct sim_cert {
    uint32_t count;
    net_cons_block_id block;
    net_cons_msg msgs[SIM_NODES_MAX];
} sim_cert;

typedef struct sim_proposed {
    net_cons_block_id block;
} sim_proposed;

typedef struct sim {
    const sim_params *p;
    uint64_t seed;
    uint64_t rng;
    uint32_t gen;
    bool trace;
    uint64_t now_ms;
    uint64_t seq;
    uint64_t gst_ms;
    bool healed;
    uint64_t live_target; /* height every honest node must reach after GST */
    uint32_t drop_per_mille, dup_per_mille, delay_max_ms;
    uint32_t n;  /* validators in a set */
    uint32_t nn; /* nodes: n, or n + 1 with a change of the set */
    uint8_t pubkeys[SIM_NODES_MAX][NET_CONS_PUBKEY_LEN];
    uint8_t pubkeys_b[SIM_NODES_MAX][NET_CONS_PUBKEY_LEN]; /* the set from change_at */
    sim_node nodes[SIM_NODES_MAX];
    size_t queue_len;
    sim_ev *queue;
    uint64_t decided_count;
    net_cons_block_id decided[SIM_HEIGHTS_MAX];
    bool decided_set[SIM_HEIGHTS_MAX];
    sim_cert certs[SIM_HEIGHTS_MAX];
    size_t proposed_count;
    sim_proposed proposed[SIM_PROPOSED_MAX];
    /* Byzantine state: last (height, round) it acted on per message type. */
    uint64_t byz_acted[3];
    bool byz_split; /* strategy of this run (see byz_votes) */
    uint64_t byz_precommit_height;
    uint32_t byz_victim;
    uint32_t byz_outsider;     /* does not see its first prevote of a height */
    uint64_t isolate_until_ms; /* the adversary cuts the victim off after it decides */
    net_cons_actions acts;     /* scratch for node_feed */
    char failure[512];
} sim;

static bool sim_fail(sim *s, const char *fmt, ...)
{
    if (s->failure[0])
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->failure, sizeof s->failure, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_byz(const sim *s, uint32_t i)
{
    return s->p->byzantine && i == s->n - 1;
}

static bool changed(const sim *s, uint64_t h)
{
    return s->p->change_at && h >= s->p->change_at;
}

/* The validator set of height h. */
static const uint8_t (*set_of(const sim *s, uint64_t h))[NET_CONS_PUBKEY_LEN]
{
    return changed(s, h) ? (const uint8_t(*)[NET_CONS_PUBKEY_LEN])s->pubkeys_b
                         : (const uint8_t(*)[NET_CONS_PUBKEY_LEN])s->pubkeys;
}

/* The size of the set of height h. */
static uint32_t size_of(const sim *s, uint64_t h)
{
    return changed(s, h) && s->p->grow ? s->n + 1 : s->n;
}

/* The node that is validator `index` at height h. */
static uint32_t node_of(const sim *s, uint64_t h, uint32_t index)
{
    return changed(s, h) && !s->p->grow && index == s->n - 1 ? s->n : index;
}

/* ---- Event queue: binary min-heap on (time, seq) ------------------------------------ */

static bool ev_less(const sim_ev *a, const sim_ev *b)
{
    return a->time_ms != b->time_ms ? a->time_ms < b->time_ms : a->seq < b->seq;
}

static void q_swap(sim *s, size_t i, size_t j)
{
    sim_ev t = s->queue[i];
    s->queue[i] = s->queue[j];
    s->queue[j] = t;
}

static sim_ev *q_push(sim *s, uint64_t at_ms, uint8_t kind, uint32_t node)
{
    if (s->queue_len == SIM_QUEUE_MAX) {
        size_t kinds[16] = {0}, far = 0, from[8] = {0};
        for (size_t i = 0; i < s->queue_len; i++) {
            kinds[s->queue[i].kind & 15]++;
            from[s->queue[i].from & 7]++;
            far += s->queue[i].time_ms > s->now_ms + 1000;
        }
        sim_fail(
            s,
            "event queue full at %" PRIu64
            " ms (deliver %zu timeout %zu, %zu over 1 s ahead; from %zu %zu %zu %zu %zu %zu %zu)",
            s->now_ms, kinds[SE_DELIVER], kinds[SE_TIMEOUT], far, from[0], from[1], from[2],
            from[3], from[4], from[5], from[6]);
        return NULL;
    }
    size_t i = s->queue_len++;
    sim_ev *e = &s->queue[i];
    memset(e, 0, sizeof *e);
    e->time_ms = at_ms;
    e->seq = s->seq++;
    e->kind = kind;
    e->node = (uint8_t)node;
    e->epoch = node < s->nn ? s->nodes[node].epoch : 0;
    /* Sift up is done in q_commit once the caller filled the event in. */
    return e;
}

static void q_commit(sim *s)
{
    size_t i = s->queue_len - 1;
    while (i > 0 && ev_less(&s->queue[i], &s->queue[(i - 1) / 2])) {
        q_swap(s, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void q_pop(sim *s, sim_ev *out)
{
    *out = s->queue[0];
    s->queue[0] = s->queue[--s->queue_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->queue_len && ev_less(&s->queue[l], &s->queue[m]))
            m = l;
        if (r < s->queue_len && ev_less(&s->queue[r], &s->queue[m]))
            m = r;
        if (m == i)
            return;
        q_swap(s, i, m);
        i = m;
    }
}

/* ---- Network ------------------------------------------------------------------------ */

static void net_send(sim *s, uint32_t from, uint32_t to, const net_cons_msg *m)
{
    if (from == to)
        return;
    if (!s->healed) {
        if (s->nodes[from].group != s->nodes[to].group || rng_chance(&s->rng, s->drop_per_mille))
            return;
        if (s->now_ms < s->isolate_until_ms && (from == s->byz_victim || to == s->byz_victim))
            return;
    }
    uint32_t copies = rng_chance(&s->rng, s->dup_per_mille) ? 2 : 1;
    uint32_t delay_max = s->healed ? 50 : s->delay_max_ms;
    for (uint32_t k = 0; k < copies; k++) {
        sim_ev *e = q_push(s, s->now_ms + 1 + rng_below(&s->rng, delay_max), SE_DELIVER, to);
        if (!e)
            return;
        e->ev.kind = NET_CONS_EV_MESSAGE;
        e->ev.msg = *m;
        e->from = (uint8_t)from;
        q_commit(s);
    }
}

static void net_broadcast(sim *s, uint32_t from, const net_cons_msg *m)
{
    for (uint32_t to = 0; to < s->nn; to++)
        net_send(s, from, to, m);
}

/* ---- Bookkeeping and checks ---------------------------------------------------------- */

static uint64_t hrt_key(const net_cons_msg *m)
{
    return (m->height * 1000003ull + m->round) * 4 + m->type;
}

/* No honest double-signing: one content per (height, round, type) per node, across
 * restarts. */
static bool check_signed(sim *s, uint32_t node, const net_cons_msg *m)
{
    sim_node *nd = &s->nodes[node];
    uint64_t key = hrt_key(m);
    for (size_t probe = 0; probe < SIM_SIGNED_MAX; probe++) {
        sim_signed *e = &nd->signed_log[(key + probe) % SIM_SIGNED_MAX];
        if (e->gen != s->gen) {
            e->gen = s->gen;
            e->msg = *m;
            return true;
        }
        if (hrt_key(&e->msg) == key && e->msg.height == m->height) {
            if (!net_cons_msg_same_content(&e->msg, m))
                return sim_fail(s, "node %u double-signed h=%" PRIu64 " r=%u type=%u", node,
                                m->height, m->round, m->type);
            return true;
        }
    }
    return sim_fail(s, "signed log full");
}

static int cmp_hrt(const net_cons_msg *a, const net_cons_msg *b)
{
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    if (a->round != b->round)
        return a->round < b->round ? -1 : 1;
    return a->type == b->type ? 0 : (a->type < b->type ? -1 : 1);
}

/* Persist before send: an own message on the wire is never newer than the disk. */
static bool check_persisted(sim *s, uint32_t node, const net_cons_msg *m)
{
    const sim_node *nd = &s->nodes[node];
    if (!nd->has_persisted)
        return sim_fail(s, "node %u sent a signed message before persisting anything", node);
    int cmp = cmp_hrt(m, &nd->persisted.last);
    if (cmp > 0 || (cmp == 0 && !net_cons_msg_same_content(m, &nd->persisted.last)))
        return sim_fail(s, "node %u sent h=%" PRIu64 " r=%u type=%u before persisting it", node,
                        m->height, m->round, m->type);
    return true;
}

static void note_proposed(sim *s, const net_cons_msg *m)
{
    if (m->type != NET_CONS_PROPOSAL || s->proposed_count == SIM_PROPOSED_MAX)
        return;
    for (size_t i = s->proposed_count; i-- > 0 && i + 64 >= s->proposed_count;)
        if (memcmp(&s->proposed[i].block, &m->block, sizeof m->block) == 0)
            return;
    s->proposed[s->proposed_count++].block = m->block;
}

static bool was_proposed(const sim *s, const net_cons_block_id *b)
{
    for (size_t i = 0; i < s->proposed_count; i++)
        if (memcmp(&s->proposed[i].block, b, sizeof *b) == 0)
            return true;
    return false;
}

static bool check_cert(sim *s, const net_cons_action *a)
{
    uint32_t q = net_cons_quorum(size_of(s, a->height));
    uint64_t seen = 0;
    if (a->list_count < q)
        return sim_fail(s, "certificate of h=%" PRIu64 " has %zu precommits", a->height,
                        a->list_count);
    for (size_t i = 0; i < a->list_count; i++) {
        const net_cons_msg *m = &a->list[i];
        uint8_t bytes[NET_CONS_SIGN_BYTES_MAX];
        size_t len = net_cons_sign_bytes(bytes, (const uint8_t *)"sim", 3, m);
        if (m->type != NET_CONS_PRECOMMIT || m->height != a->height || m->round != a->round ||
            !m->has_block || memcmp(&m->block, &a->block, sizeof a->block) != 0 ||
            m->validator >= size_of(s, a->height) || (seen & (1ull << m->validator)) ||
            !fake_verify(NULL, set_of(s, a->height)[m->validator], bytes, len, m->sig))
            return sim_fail(s, "bad certificate entry %zu at h=%" PRIu64, i, a->height);
        seen |= 1ull << m->validator;
    }
    return true;
}

static bool check_commit(sim *s, uint32_t node, const net_cons_action *a)
{
    sim_node *nd = &s->nodes[node];
    if (a->height != nd->committed + 1)
        return sim_fail(s, "node %u committed h=%" PRIu64 " after %" PRIu64, node, a->height,
                        nd->committed);
    if (a->height >= SIM_HEIGHTS_MAX)
        return sim_fail(s, "too many heights");
    if (!check_cert(s, a))
        return false;
    if (a->block.b[0] == SIM_INVALID_TAG || !was_proposed(s, &a->block))
        return sim_fail(s,
                        "validity: node %u committed an invalid or unproposed block at h=%" PRIu64,
                        node, a->height);
    if (!s->decided_set[a->height]) {
        s->decided_set[a->height] = true;
        s->decided[a->height] = a->block;
        s->certs[a->height].count = (uint32_t)a->list_count;
        memcpy(s->certs[a->height].msgs, a->list, a->list_count * sizeof *a->list);
    } else if (memcmp(&s->decided[a->height], &a->block, sizeof a->block) != 0) {
        return sim_fail(s, "agreement: node %u committed a different block at h=%" PRIu64, node,
                        a->height);
    }
    nd->committed = a->height;
    return true;
}

/* ---- Driving one honest node ---------------------------------------------------------- */
static void node_feed(sim *s, uint32_t node, const net_cons_event *ev);

static void random_block(sim *s, net_cons_block_id *b, bool valid)
{
    for (size_t i = 0; i < NET_CONS_BLOCK_ID_LEN; i += 8) {
        uint64_t r = rng_next(&s->rng);
        memcpy(b->b + i, &r, 8);
    }
    if (valid && b->b[0] == SIM_INVALID_TAG)
        b->b[0] = 0;
    if (!valid)
        b->b[0] = SIM_INVALID_TAG;
}

static bool do_broadcast(sim *s, uint32_t node, const net_cons_action *a)
{
    const net_cons_msg *all[1 + NET_CONS_VALIDATORS_MAX];
    size_t count = 0;
    all[count++] = &a->msg;
    for (size_t i = 0; i < a->list_count; i++)
        all[count++] = &a->list[i];
    for (size_t i = 0; i < count; i++) {
        const net_cons_msg *m = all[i];
        if (node_of(s, m->height, m->validator) == node &&
            (!check_signed(s, node, m) || !check_persisted(s, node, m)))
            return false;
        note_proposed(s, m);
        net_broadcast(s, node, m);
    }
    return true;
}

static void do_schedule(sim *s, uint32_t node, const net_cons_action *a)
{
    sim_ev *e = q_push(s, s->now_ms + a->duration_ms, SE_TIMEOUT, node);
    if (!e)
        return;
    e->ev.kind = NET_CONS_EV_TIMEOUT;
    e->ev.timeout_kind = a->timeout_kind;
    e->ev.height = a->height;
    e->ev.round = a->round;
    q_commit(s);
}

static void do_reply(sim *s, uint32_t node, const net_cons_action *a, bool value)
{
    sim_ev *e =
        q_push(s, s->now_ms + 1 + rng_below(&s->rng, 20), value ? SE_VALUE : SE_VALIDITY, node);
    if (!e)
        return;
    e->ev.kind = value ? NET_CONS_EV_VALUE : NET_CONS_EV_VALIDITY;
    e->ev.height = a->height;
    e->ev.round = a->round;
    if (value)
        random_block(s, &e->ev.block, true);
    else {
        e->ev.block = a->block;
        e->ev.valid = a->block.b[0] != SIM_INVALID_TAG;
    }
    q_commit(s);
}

static void node_crash(sim *s, uint32_t node)
{
    sim_node *nd = &s->nodes[node];
    if (!nd->up)
        return;
    if (s->trace)
        fprintf(stderr, "%8" PRIu64 " node %u crashes\n", s->now_ms, node);
    net_cons_destroy(nd->core);
    nd->core = NULL;
    nd->up = false;
    nd->epoch++;
    sim_ev *e = q_push(s, s->now_ms + 50 + rng_below(&s->rng, 2000), SE_RESTART, node);
    if (e)
        q_commit(s);
}

/* Performs the actions of one call in order. Returns false if the node crashed midway
 * (between a persist and its broadcast) or a check failed. */
static bool do_actions(sim *s, uint32_t node, const net_cons_actions *acts)
{
    for (size_t i = 0; i < acts->count; i++) {
        const net_cons_action *a = &acts->items[i];
        switch (a->kind) {
        case NET_CONS_ACT_PERSIST:
            s->nodes[node].persisted = *a->persisted;
            s->nodes[node].has_persisted = true;
            if (!s->healed && s->p->crash_per_mille && rng_chance(&s->rng, 5)) {
                node_crash(s, node); /* durable, but the vote never left */
                return false;
            }
            break;
        case NET_CONS_ACT_BROADCAST:
            if (!do_broadcast(s, node, a))
                return false;
            break;
        case NET_CONS_ACT_SCHEDULE_TIMEOUT:
            do_schedule(s, node, a);
            break;
        case NET_CONS_ACT_REQUEST_VALUE:
        case NET_CONS_ACT_REQUEST_VALIDATION:
            do_reply(s, node, a, a->kind == NET_CONS_ACT_REQUEST_VALUE);
            break;
        case NET_CONS_ACT_COMMIT:
            if (!check_commit(s, node, a))
                return false;
            if (s->p->byzantine && s->byz_split && node == s->byz_victim)
                s->isolate_until_ms = s->now_ms + 1500;
            sim_ev *e = q_push(s, s->now_ms + 1, SE_START, node);
            if (e) {
                e->ev.height = a->height + 1;
                q_commit(s);
            }
            break;
        case NET_CONS_ACT_EVIDENCE:
            if (a->msg.validator != a->msg2.validator || !is_byz(s, a->msg.validator))
                return sim_fail(s, "evidence against honest validator %u", a->msg.validator);
            break;
        }
    }
    return true;
}

static void node_feed(sim *s, uint32_t node, const net_cons_event *ev)
{
    net_cons_actions *acts = &s->acts;
    sim_node *nd = &s->nodes[node];
    net_cons_rc rc = net_cons_step(nd->core, acts, ev);
    if (s->trace)
        fprintf(stderr,
                "%8" PRIu64 " node %u ev %d h=%" PRIu64 " r=%u m(t=%u v=%u h=%" PRIu64
                " r=%u b=%02x) -> %s, %zu acts\n",
                s->now_ms, node, ev->kind, ev->height, ev->round, ev->msg.type, ev->msg.validator,
                ev->msg.height, ev->msg.round, ev->msg.has_block ? ev->msg.block.b[1] : 0,
                net_cons_rc_str(rc), acts->count);
    if (rc == NET_CONS_RC_HALTED) {
        sim_fail(s, "node %u halted", node);
        return;
    }
    do_actions(s, node, acts);
}

static void node_start_height(sim *s, uint32_t node, uint64_t height)
{
    net_cons_event ev = {.kind = NET_CONS_EV_START_HEIGHT, .height = height};
    ev.validators = s->p->stale_driver ? set_of(s, 0) : set_of(s, height);
    ev.validator_count = s->p->stale_driver ? s->n : size_of(s, height);
    node_feed(s, node, &ev);
}

static void node_boot(sim *s, uint32_t node)
{
    sim_node *nd = &s->nodes[node];
    net_cons_config cfg = {.chain_id = "sim", .chain_id_len = 3};
    memcpy(cfg.self_pubkey, nd->key.pubkey, NET_CONS_PUBKEY_LEN);
    cfg.crypto = (net_cons_crypto){.ctx = &nd->key, .sign = fake_sign, .verify = fake_verify};
    cfg.propose_base_ms = 300;
    cfg.propose_delta_ms = 100;
    cfg.prevote_base_ms = 200;
    cfg.prevote_delta_ms = 100;
    cfg.precommit_base_ms = 200;
    cfg.precommit_delta_ms = 100;
    cfg.restored = nd->has_persisted ? &nd->persisted : NULL;
    cfg.mutation = s->p->mutation;
    nd->core = net_cons_create(&cfg);
    ck_assert_ptr_nonnull(nd->core);
    nd->up = true;
    nd->epoch++;
    if (s->trace)
        fprintf(stderr, "%8" PRIu64 " node %u boots at h=%" PRIu64 "\n", s->now_ms, node,
                nd->committed + 1);
    sim_ev *e = q_push(s, s->now_ms + rng_below(&s->rng, SIM_RESEND_MS) + 1, SE_RESEND, node);
    if (e)
        q_commit(s);
    node_start_height(s, node, nd->committed + 1);
}

/* Block sync, simulated: a node that gets a peer's own message from a height it has
 * committed, and the peer has not, answers with the certificate of that height (the real
 * node learns peer heights from status and serves blocks over req/rep). */
static void sync_reply(sim *s, uint32_t node, uint32_t from, const net_cons_msg *m)
{
    if (m->height >= SIM_HEIGHTS_MAX || !s->decided_set[m->height] ||
        s->nodes[node].committed < m->height || node_of(s, m->height, m->validator) != from ||
        s->nodes[from].committed >= m->height)
        return;
    const sim_cert *c = &s->certs[m->height];
    for (uint32_t i = 0; i < c->count; i++)
        net_send(s, node, from, &c->msgs[i]);
}

/* A node that signs nothing at its height (not in that height's set) is never answered by
 * sync_reply: at its resend timer it asks, as block sync does, a peer that committed its
 * next height for that height's certificate. */
static void sync_pull(sim *s, uint32_t node)
{
    uint64_t want = s->nodes[node].committed + 1;
    if (!s->p->change_at || want >= SIM_HEIGHTS_MAX || !s->decided_set[want])
        return;
    for (uint32_t from = 0; from < s->nn; from++)
        if (from != node && s->nodes[from].up && s->nodes[from].committed >= want) {
            const sim_cert *c = &s->certs[want];
            for (uint32_t i = 0; i < c->count; i++)
                net_send(s, from, node, &c->msgs[i]);
            return;
        }
}

/* ---- The Byzantine validator ---------------------------------------------------------- */

static bool byz_sign(sim *s, net_cons_msg *m)
{
    uint8_t bytes[NET_CONS_SIGN_BYTES_MAX];
    m->validator = (uint16_t)(s->n - 1);
    size_t len = net_cons_sign_bytes(bytes, (const uint8_t *)"sim", 3, m);
    return fake_sign(&s->nodes[s->n - 1].key, m->sig, bytes, len);
}

/* Acts once per (height, round, kind of trigger), moving forward only: relayed copies of
 * old messages do not make it act again. */
static bool byz_once(sim *s, uint64_t h, uint32_t r, uint32_t what)
{
    uint64_t key = h * 1000003ull + r + 1;
    if (s->byz_acted[what] >= key)
        return false;
    s->byz_acted[what] = key;
    return true;
}

static void byz_vote(sim *s, uint8_t type, uint64_t h, uint32_t r, const net_cons_block_id *b,
                     uint32_t to)
{
    net_cons_msg m = {.type = type, .height = h, .round = r, .valid_round = -1};
    if (b) {
        m.has_block = true;
        m.block = *b;
    }
    byz_sign(s, &m);
    net_send(s, s->n - 1, to, &m);
}

/* Noisy strategy: votes for the proposal it saw to some peers and for something else to
 * the others. Split strategy, the classic attack on a lock-less protocol: its first
 * prevote of a height goes to all but one "outsider" (who then sees no polka) and its
 * first precommit only to one victim, so that the victim alone decides; the adversary,
 * who controls the network before GST, then cuts the victim off, and the others may be
 * led to another block in a later round, which the lock rule is there to prevent. Later
 * votes go to all. */
static void byz_votes(sim *s, uint64_t h, uint32_t r, const net_cons_block_id *seen)
{
    if (s->byz_split) {
        bool first = s->byz_precommit_height != h;
        s->byz_precommit_height = h;
        for (uint32_t to = 0; to + 1 < s->n; to++) {
            if (!first || to != s->byz_outsider)
                byz_vote(s, NET_CONS_PREVOTE, h, r, seen, to);
            if (!first || to == s->byz_victim)
                byz_vote(s, NET_CONS_PRECOMMIT, h, r, seen, to);
        }
        return;
    }
    net_cons_block_id other;
    random_block(s, &other, true);
    for (uint32_t to = 0; to + 1 < s->n; to++) {
        uint32_t pick = rng_below(&s->rng, 4);
        const net_cons_block_id *b = pick < 2 ? seen : (pick == 2 ? &other : NULL);
        byz_vote(s, NET_CONS_PREVOTE, h, r, b, to);
        byz_vote(s, NET_CONS_PRECOMMIT, h, r, pick < 3 ? seen : b, to);
    }
}

/* Two proposals for one (h, r), split between the peers, with matching votes. */
static void byz_propose(sim *s, uint64_t h, uint32_t r)
{
    net_cons_block_id blocks[2];
    random_block(s, &blocks[0], true);
    random_block(s, &blocks[1], !rng_chance(&s->rng, 200));
    if (s->byz_split)
        blocks[1] = blocks[0];
    for (uint32_t to = 0; to + 1 < s->n; to++) {
        uint32_t side = rng_below(&s->rng, 2);
        net_cons_msg m = {.type = NET_CONS_PROPOSAL, .height = h, .round = r, .valid_round = -1};
        m.has_block = true;
        m.block = blocks[side];
        byz_sign(s, &m);
        note_proposed(s, &m);
        net_send(s, s->n - 1, to, &m);
        byz_vote(s, NET_CONS_PREVOTE, h, r, &blocks[side], to);
        byz_vote(s, NET_CONS_PRECOMMIT, h, r, &blocks[side], to);
    }
}

static void byz_receive(sim *s, const net_cons_msg *m)
{
    uint32_t byz = s->n - 1;
    uint64_t h = m->height;
    uint32_t r = m->round;
    if (net_cons_proposer(h, r, s->n) == byz && byz_once(s, h, r, 0))
        byz_propose(s, h, r);
    if (m->type == NET_CONS_PROPOSAL && byz_once(s, h, r, 1))
        byz_votes(s, h, r, &m->block);
    if (m->type == NET_CONS_PRECOMMIT && m->has_block && byz_once(s, h, r, 2)) {
        for (uint32_t to = 0; to + 1 < s->n; to++)
            if (!s->byz_split)
                byz_vote(s, NET_CONS_PRECOMMIT, h, r, &m->block, to);
    }
}

/* ---- Chaos before GST ------------------------------------------------------------------ */

static void chaos_tick(sim *s)
{
    if (s->healed)
        return;
    if (rng_chance(&s->rng, 150)) { /* new partition, or none */
        bool split = rng_chance(&s->rng, 500);
        for (uint32_t i = 0; i < s->nn; i++)
            s->nodes[i].group = split ? rng_below(&s->rng, 2) : 0;
    }
    if (s->p->crash_per_mille && rng_chance(&s->rng, s->p->crash_per_mille)) {
        uint32_t node = rng_below(&s->rng, s->nn);
        if (!is_byz(s, node) && s->nodes[node].up) {
            node_crash(s, node);
        }
    }
    sim_ev *e = q_push(s, s->now_ms + 100, SE_CHAOS, 0);
    if (e)
        q_commit(s);
}

static void gst(sim *s)
{
    s->healed = true;
    uint64_t top = 0;
    for (uint32_t i = 0; i < s->nn; i++) {
        s->nodes[i].group = 0;
        if (!is_byz(s, i) && !s->nodes[i].up)
            node_boot(s, i);
        if (!is_byz(s, i) && s->nodes[i].committed > top)
            top = s->nodes[i].committed;
    }
    s->live_target = top + 2;
    if (s->p->change_at && s->live_target < s->p->change_at + 2)
        s->live_target = s->p->change_at + 2; /* past the change */
    if (s->trace)
        fprintf(stderr, "%8" PRIu64 " GST, target h=%" PRIu64 "\n", s->now_ms, s->live_target);
}

/* ---- One run --------------------------------------------------------------------------- */

static bool all_live(const sim *s)
{
    for (uint32_t i = 0; i < s->nn; i++)
        if (!is_byz(s, i) && s->nodes[i].committed < s->live_target)
            return false;
    return true;
}

static void dispatch(sim *s, const sim_ev *e)
{
    sim_node *nd = &s->nodes[e->node];
    switch (e->kind) {
    case SE_CHAOS:
        chaos_tick(s);
        return;
    case SE_GST:
        gst(s);
        return;
    case SE_RESTART:
        if (!nd->up)
            node_boot(s, e->node);
        return;
    default:
        break;
    }
    if (is_byz(s, e->node)) {
        if (e->kind == SE_DELIVER)
            byz_receive(s, &e->ev.msg);
        return;
    }
    if (!nd->up || (e->kind != SE_DELIVER && e->epoch != nd->epoch))
        return; /* lost with the crash */
    if (e->kind == SE_START)
        node_start_height(s, e->node, e->ev.height);
    else if (e->kind == SE_RESEND)
        node_feed(s, e->node, &(net_cons_event){.kind = NET_CONS_EV_RESEND});
    else
        node_feed(s, e->node, &e->ev);
    if (e->kind == SE_DELIVER && nd->up)
        sync_reply(s, e->node, e->from, &e->ev.msg);
    if (e->kind == SE_RESEND && nd->up) {
        sync_pull(s, e->node);
        sim_ev *r = q_push(s, s->now_ms + SIM_RESEND_MS, SE_RESEND, e->node);
        if (r)
            q_commit(s);
    }
}

static void sim_setup(sim *s, const sim_params *p, uint64_t seed)
{
    sim_ev *queue = s->queue;
    uint32_t gen = s->gen;
    for (uint32_t i = 0; i < SIM_NODES_MAX; i++)
        if (s->nodes[i].core)
            net_cons_destroy(s->nodes[i].core);
    /* Keep the signed logs (generation-tagged) rather than clearing megabytes per run. */
    s->p = p;
    s->seed = seed;
    s->rng = seed * 0x2545F4914F6CDD1Dull + p->n;
    s->gen = gen + 1;
    s->queue = queue;
    s->queue_len = 0;
    s->now_ms = 0;
    s->seq = 0;
    s->healed = false;
    s->failure[0] = 0;
    s->n = p->n;
    s->nn = p->change_at ? p->n + 1 : p->n;
    s->proposed_count = 0;
    memset(s->decided_set, 0, sizeof s->decided_set);
    memset(s->byz_acted, 0, sizeof s->byz_acted);
    uint32_t drops[] = {0, 20, 100, 300}, delays[] = {5, 40, 150, 400};
    s->drop_per_mille = drops[rng_below(&s->rng, 4)];
    s->delay_max_ms = delays[rng_below(&s->rng, 4)];
    s->dup_per_mille = 50;
    s->gst_ms = 1000 + rng_below(&s->rng, 4000);
    s->byz_split = rng_chance(&s->rng, 500);
    s->byz_precommit_height = 0;
    s->byz_victim = p->n > 1 ? rng_below(&s->rng, p->n - 1) : 0;
    s->byz_outsider =
        p->n > 2 ? (s->byz_victim + 1 + rng_below(&s->rng, p->n - 2)) % (p->n - 1) : 0;
    s->isolate_until_ms = 0;
    for (uint32_t i = 0; i < s->nn; i++) {
        sim_node *nd = &s->nodes[i];
        nd->core = NULL;
        nd->up = false;
        nd->epoch = 0;
        nd->group = 0;
        nd->has_persisted = false;
        nd->committed = 0;
        memset(nd->key.pubkey, 0, NET_CONS_PUBKEY_LEN);
        nd->key.pubkey[0] = (uint8_t)(i + 1);
        if (i < s->n)
            memcpy(s->pubkeys[i], nd->key.pubkey, NET_CONS_PUBKEY_LEN);
        if (p->grow)
            memcpy(s->pubkeys_b[i], nd->key.pubkey, NET_CONS_PUBKEY_LEN);
        else if (i < s->n - 1 || i == s->n)
            memcpy(s->pubkeys_b[i < s->n ? i : s->n - 1], nd->key.pubkey, NET_CONS_PUBKEY_LEN);
    }
}

/* Runs one seed. Returns true if every property held; s->failure says why not. */
static bool sim_run(sim *s, const sim_params *p, uint64_t seed)
{
    sim_setup(s, p, seed);
    for (uint32_t i = 0; i < s->nn; i++)
        if (!is_byz(s, i))
            node_boot(s, i);
    sim_ev *e = q_push(s, 100, SE_CHAOS, 0);
    if (e)
        q_commit(s);
    e = q_push(s, s->gst_ms, SE_GST, 0);
    if (e)
        q_commit(s);
    sim_ev cur;
    while (!s->failure[0] && s->queue_len) {
        q_pop(s, &cur);
        s->now_ms = cur.time_ms;
        if (s->healed && all_live(s))
            break;
        if (s->healed && s->now_ms > s->gst_ms + SIM_LIVENESS_MS) {
            sim_fail(s, "liveness: not every honest node reached h=%" PRIu64 " by %u ms after GST",
                     s->live_target, SIM_LIVENESS_MS);
            break;
        }
        dispatch(s, &cur);
    }
    if (!s->failure[0] && !(s->healed && all_live(s)))
        sim_fail(s, "run ended without liveness (queue empty)");
    for (uint32_t i = 0; i < s->nn && s->trace; i++) {
        net_cons_status st;
        if (!s->nodes[i].core)
            continue;
        net_cons_status_get(s->nodes[i].core, &st);
        fprintf(stderr, "node %u: h=%" PRIu64 " r=%u step=%d locked=%d valid=%d seen=%" PRIx64 "\n",
                i, st.height, st.round, st.step, st.locked_round, st.valid_round, st.seen_mask);
    }
    for (uint32_t i = 0; i < s->nn && !s->failure[0]; i++) {
        net_cons_status st;
        if (s->nodes[i].core) {
            net_cons_status_get(s->nodes[i].core, &st);
            if (st.sign_refusals)
                sim_fail(s, "node %u refused %" PRIu64 " signings", i, st.sign_refusals);
        }
    }
    return !s->failure[0];
}

/* ---- Suite --------------------------------------------------------------------------- */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    return *end ? dflt : (uint64_t)x;
}

static sim *sim_new(void)
{
    sim *s = calloc(1, sizeof *s);
    ck_assert_ptr_nonnull(s);
    s->queue = malloc(SIM_QUEUE_MAX * sizeof *s->queue);
    ck_assert_ptr_nonnull(s->queue);
    s->trace = env_u64("FOLIO_SIM_TRACE", 0) != 0;
    return s;
}

static void sim_free(sim *s)
{
    for (uint32_t i = 0; i < SIM_NODES_MAX; i++)
        if (s->nodes[i].core)
            net_cons_destroy(s->nodes[i].core);
    free(s->queue);
    free(s);
}

/* Runs the configuration's seeds (or FOLIO_TEST_SEED alone). Returns failures. */
static uint32_t run_seeds(const sim_params *p, bool expect_failure, uint64_t *first_failure,
                          char *why, size_t why_len)
{
    sim *s = sim_new();
    const char *fixed = getenv("FOLIO_TEST_SEED");
    uint64_t count = fixed && *fixed ? 1 : p->seeds;
    uint64_t base = fixed && *fixed ? env_u64("FOLIO_TEST_SEED", 1) : 1;
    uint32_t failures = 0;
    *first_failure = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t seed = base + i;
        if (sim_run(s, p, seed))
            continue;
        if (!failures) {
            *first_failure = seed;
            snprintf(why, why_len, "%s", s->failure);
        }
        failures++;
        if (!expect_failure)
            fprintf(stderr,
                    "sim %s: FAILED seed %" PRIu64 ": %s (replay: FOLIO_TEST_SEED=%" PRIu64 ")\n",
                    p->name, seed, s->failure, seed);
        else
            fprintf(stderr, "sim %s: mutation caught at seed %" PRIu64 ": %s\n", p->name, seed,
                    s->failure);
        if (expect_failure || failures >= 5)
            break;
    }
    fprintf(stderr, "sim %s: %" PRIu64 " seed(s) from %" PRIu64 ", %u failing\n", p->name, count,
            base, failures);
    sim_free(s);
    return failures;
}

static void run_config(const sim_params *p)
{
    uint64_t first;
    char why[512];
    sim_params q = *p;
    q.seeds = (uint32_t)env_u64("FOLIO_SIM_SEEDS", p->seeds);
    uint32_t failures = run_seeds(&q, false, &first, why, sizeof why);
    ck_assert_msg(failures == 0, "%s: %u failing seeds, first %" PRIu64, p->name, failures, first);
}

START_TEST(sim_n4_byzantine)
{
    run_config(
        &(sim_params){"n4-byzantine", 4, true, 30, NET_CONS_MUTATION_NONE, 5000, 0, false, false});
}
END_TEST

START_TEST(sim_n4_crashes)
{
    run_config(
        &(sim_params){"n4-crashes", 4, false, 120, NET_CONS_MUTATION_NONE, 2000, 0, false, false});
}
END_TEST

START_TEST(sim_n7_byzantine)
{
    run_config(
        &(sim_params){"n7-byzantine", 7, true, 40, NET_CONS_MUTATION_NONE, 3000, 0, false, false});
}
END_TEST

/* The set changes at height 3: node 4 replaces node 3 (crashes, partitions, drops). */
START_TEST(sim_n4_valset_change)
{
    run_config(&(sim_params){"n4-valset-change", 4, false, 120, NET_CONS_MUTATION_NONE, 1000, 3,
                             false, false});
}
END_TEST

/* A one-validator chain adds a second validator at height 3 (consensus.md §1a): from then on
 * every certificate needs both (crashes, partitions, drops). */
START_TEST(sim_n1_grows_to_2)
{
    run_config(&(sim_params){"n1-grows-to-2", 1, false, 120, NET_CONS_MUTATION_NONE, 1000, 3, false,
                             true});
}
END_TEST

/* ... and a lone validator that keeps its own set past the change is caught. */
START_TEST(sim_catches_lone_validator)
{
    if (getenv("FOLIO_TEST_SEED") && *getenv("FOLIO_TEST_SEED"))
        return;
    sim_params p = {"n1-lone-mutant", 1, false, 120, NET_CONS_MUTATION_NONE, 200, 3, true, true};
    uint64_t first;
    char why[512] = "";
    uint32_t failures = run_seeds(&p, true, &first, why, sizeof why);
    ck_assert_msg(failures > 0, "the simulator did not catch a lone validator certifying alone");
}
END_TEST

/* ... and is not vacuous: a driver that keeps the first set is caught. */
START_TEST(sim_catches_stale_set)
{
    if (getenv("FOLIO_TEST_SEED") && *getenv("FOLIO_TEST_SEED"))
        return;
    sim_params p = {
        "n4-stale-set-mutant", 4, false, 120, NET_CONS_MUTATION_NONE, 200, 3, true, false};
    uint64_t first;
    char why[512] = "";
    uint32_t failures = run_seeds(&p, true, &first, why, sizeof why);
    ck_assert_msg(failures > 0, "the simulator did not catch a driver that keeps the first set");
}
END_TEST

/* The checker is not vacuous: a core without the lock rule is caught. */
START_TEST(sim_catches_missing_lock)
{
    if (getenv("FOLIO_TEST_SEED") && *getenv("FOLIO_TEST_SEED"))
        return; /* a replay is about the real core */
    sim_params p = {
        "n4-nolock-mutant", 4, true, 0, NET_CONS_MUTATION_NO_LOCK, 3000, 0, false, false};
    uint64_t first;
    char why[512] = "";
    uint32_t failures = run_seeds(&p, true, &first, why, sizeof why);
    ck_assert_msg(failures > 0, "the simulator did not catch a core without the lock rule");
    ck_assert_msg(strncmp(why, "agreement", 9) == 0, "mutant failed otherwise: %s", why);
}
END_TEST

static Suite *sim_suite(void)
{
    Suite *s = suite_create("consensus_sim");
    TCase *tc = tcase_create("sim");
    tcase_set_timeout(tc, 1200);
    tcase_add_test(tc, sim_catches_missing_lock);
    tcase_add_test(tc, sim_n4_byzantine);
    tcase_add_test(tc, sim_n4_crashes);
    tcase_add_test(tc, sim_n7_byzantine);
    tcase_add_test(tc, sim_n4_valset_change);
    tcase_add_test(tc, sim_catches_stale_set);
    tcase_add_test(tc, sim_n1_grows_to_2);
    tcase_add_test(tc, sim_catches_lone_validator);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sim_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
