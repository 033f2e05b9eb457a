/* The liquidity-saving mechanism: setup, construction, re-add, offset recovery and
 * insert-and-repair. See stl_lsm.h and specs/settlement.md. */
#include "stl_lsm.h"

#include <string.h>

#include "ldg_assert.h"
#include "stl_lsm_int.h"

#define STL_LSM_CHAIN_MAX 4

/* ---- workspace ---- */

typedef struct stl_bump {
    char *base;
    size_t off;
} stl_bump;

static void *stl_bump_take(stl_bump *b, size_t count, size_t size)
{
    size_t off = (b->off + 15) & ~(size_t)15;
    b->off = off + count * size;
    return b->base ? b->base + off : NULL;
}

static void stl_lsm_layout(stl_lsm_ctx *c, stl_bump *b, uint32_t accounts, uint32_t n,
                           uint32_t legs)
{
    size_t e = 2 * (size_t)legs, a = accounts;
    c->eff_first = stl_bump_take(b, n + 1, sizeof(uint32_t));
    c->eff_acc = stl_bump_take(b, e, sizeof(uint32_t));
    c->eff_delta = stl_bump_take(b, e, sizeof(int64_t));
    c->value = stl_bump_take(b, n, sizeof(int64_t));
    c->deb_first = stl_bump_take(b, a + 1, sizeof(uint32_t));
    c->deb = stl_bump_take(b, e, sizeof(stl_lsm_debit));
    c->in = stl_bump_take(b, n, 1);
    c->lock = stl_bump_take(b, n, 1);
    c->best = stl_bump_take(b, n, 1);
    c->bal = stl_bump_take(b, a, sizeof(int64_t));
    c->order = stl_bump_take(b, n, sizeof(uint32_t));
    c->log = stl_bump_take(b, 2 * (size_t)n + 2, sizeof(uint32_t));
    c->queue = stl_bump_take(b, a, sizeof(uint32_t));
    c->cursor = stl_bump_take(b, a, sizeof(uint32_t));
    c->queued = stl_bump_take(b, a, 1);
    c->opt = stl_bump_take(b, a, sizeof(int64_t));
    c->credit_sum = stl_bump_take(b, a, sizeof(uint64_t));
    c->debit_sum = stl_bump_take(b, a, sizeof(uint64_t));
    c->fl_idx = stl_bump_take(b, n, sizeof(uint32_t));
    c->arc_first = stl_bump_take(b, n + 1, sizeof(uint32_t));
    c->arc_from = stl_bump_take(b, n, sizeof(uint32_t));
    c->arc_to = stl_bump_take(b, n, sizeof(uint32_t));
    c->in_arc = stl_bump_take(b, n, sizeof(uint32_t));
    c->arc_cap = stl_bump_take(b, n, sizeof(int64_t));
    c->arc_red = stl_bump_take(b, n, sizeof(int64_t));
    c->out_first = stl_bump_take(b, a + 1, sizeof(uint32_t));
    c->in_first = stl_bump_take(b, a + 1, sizeof(uint32_t));
    c->supply = stl_bump_take(b, a, sizeof(int64_t));
    c->slack = stl_bump_take(b, a, sizeof(int64_t));
    c->prev = stl_bump_take(b, a + 2, sizeof(uint32_t));
    c->dist = stl_bump_take(b, a + 2, sizeof(int64_t));
    c->pot = stl_bump_take(b, a + 2, sizeof(int64_t));
    c->done = stl_bump_take(b, a + 2, 1);
}

size_t stl_lsm_workspace_bytes(uint32_t account_count, uint32_t instr_count, uint32_t leg_count)
{
    stl_lsm_ctx c;
    stl_bump b = {0};
    stl_lsm_layout(&c, &b, account_count, instr_count, leg_count);
    return b.off + 16;
}

const char *stl_lsm_rc_name(stl_lsm_rc rc)
{
    static const char *const names[] = {"OK",   "TOO_MANY",   "BAD_INSTR", "BAD_INDEX",
                                        "SELF", "BAD_AMOUNT", "OVERFLOW",  "WORKSPACE"};
    return (unsigned)rc < LDG_ARRAY_LEN(names) ? names[rc] : "UNKNOWN";
}

const char *stl_lsm_method_name(stl_lsm_method method)
{
    static const char *const names[] = {"ALL", "EXACT", "HEURISTIC", "CLASSIC"};
    return (unsigned)method < LDG_ARRAY_LEN(names) ? names[method] : "UNKNOWN";
}

/* ---- deterministic sorting without allocation (heapsort, total orders only) ---- */

typedef stl_lsm_less_fn stl_less_fn;

static void stl_swap(char *x, char *y, size_t size)
{
    char t[16];
    LDG_ASSERT(size <= sizeof t);
    memcpy(t, x, size);
    memcpy(x, y, size);
    memcpy(y, t, size);
}

static void stl_sift(char *a, size_t root, size_t n, size_t size, stl_less_fn less,
                     const stl_lsm_ctx *c)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && less(c, a + child * size, a + (child + 1) * size))
            child++;
        if (!less(c, a + root * size, a + child * size))
            return;
        stl_swap(a + root * size, a + child * size, size);
        root = child;
    }
}

void stl_lsm_heapsort(void *base, size_t n, size_t size, stl_less_fn less, const stl_lsm_ctx *c)
{
    char *a = base;
    for (size_t i = n / 2; i-- > 0;)
        stl_sift(a, i, n, size, less, c);
    for (size_t end = n; end > 1; end--) {
        stl_swap(a, a + (end - 1) * size, size);
        stl_sift(a, 0, end - 1, size, less, c);
    }
}

/* Value descending, index ascending. */
static bool stl_order_less(const stl_lsm_ctx *c, const void *x, const void *y)
{
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    if (c->value[i] != c->value[j])
        return c->value[i] > c->value[j];
    return i < j;
}

/* Value per unit taken from the account, ascending (cheapest to drop first); ties drop
 * the higher index first. */
static bool stl_debit_less(const stl_lsm_ctx *c, const void *x, const void *y)
{
    const stl_lsm_debit *a = x, *b = y;
    unsigned __int128 l = (unsigned __int128)(uint64_t)c->value[a->instr] * (uint64_t)b->amount;
    unsigned __int128 r = (unsigned __int128)(uint64_t)c->value[b->instr] * (uint64_t)a->amount;
    if (l != r)
        return l < r;
    return a->instr > b->instr;
}

/* ---- setup ---- */

static stl_lsm_rc stl_lsm_validate(const stl_lsm_problem *p)
{
    if (p->instr_count > STL_LSM_INSTR_MAX || p->account_count > STL_LSM_ACCOUNT_MAX ||
        p->leg_count > STL_LSM_INSTR_MAX * STL_LSM_LEGS_MAX || p->work_limit > STL_LSM_WORK_MAX)
        return STL_LSM_TOO_MANY;
    for (uint32_t i = 0; i < p->instr_count; i++) {
        const stl_lsm_instr *in = &p->instrs[i];
        if (in->leg_count == 0 || in->leg_count > STL_LSM_LEGS_MAX ||
            in->leg_first > p->leg_count || in->leg_count > p->leg_count - in->leg_first)
            return STL_LSM_BAD_INSTR;
    }
    for (uint32_t l = 0; l < p->leg_count; l++)
        if (p->legs[l].from >= p->account_count || p->legs[l].to >= p->account_count)
            return STL_LSM_BAD_INDEX;
    for (uint32_t l = 0; l < p->leg_count; l++)
        if (p->legs[l].from == p->legs[l].to)
            return STL_LSM_SELF;
    for (uint32_t l = 0; l < p->leg_count; l++)
        if (p->legs[l].amount > STL_AMOUNT_MAX)
            return STL_LSM_BAD_AMOUNT;
    for (uint32_t a = 0; a < p->account_count; a++)
        if (p->balances[a] > STL_AMOUNT_MAX)
            return STL_LSM_BAD_AMOUNT;
    return STL_LSM_OK;
}

/* Balance + all credits and all debits of each account, and the queue's total value, must
 * fit int64: then no balance of any subset can overflow. Only legs of instructions count. */
static stl_lsm_rc stl_lsm_check_sums(stl_lsm_ctx *c)
{
    const stl_lsm_problem *p = c->p;
    uint64_t total = 0;
    for (uint32_t a = 0; a < c->accounts; a++) {
        c->credit_sum[a] = p->balances[a];
        c->debit_sum[a] = 0;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        const stl_lsm_instr *in = &p->instrs[i];
        if (__builtin_add_overflow(total, p->legs[in->leg_first].amount, &total))
            return STL_LSM_OVERFLOW;
        for (uint32_t l = in->leg_first; l < in->leg_first + in->leg_count; l++) {
            const stl_lsm_leg *g = &p->legs[l];
            if (__builtin_add_overflow(c->credit_sum[g->to], g->amount, &c->credit_sum[g->to]) ||
                __builtin_add_overflow(c->debit_sum[g->from], g->amount, &c->debit_sum[g->from]))
                return STL_LSM_OVERFLOW;
        }
    }
    if (total > INT64_MAX)
        return STL_LSM_OVERFLOW;
    for (uint32_t a = 0; a < c->accounts; a++)
        if (c->credit_sum[a] > INT64_MAX || c->debit_sum[a] > INT64_MAX)
            return STL_LSM_OVERFLOW;
    return STL_LSM_OK;
}

/* Aggregates one instruction's legs into per-account effects at eff[*e...]. */
static void stl_lsm_effects_of(stl_lsm_ctx *c, uint32_t i, uint32_t *e)
{
    const stl_lsm_instr *in = &c->p->instrs[i];
    uint32_t start = *e, end = start;
    for (uint32_t l = in->leg_first; l < in->leg_first + in->leg_count; l++) {
        const stl_lsm_leg *g = &c->p->legs[l];
        uint32_t acc[2] = {g->from, g->to};
        int64_t d[2] = {-(int64_t)g->amount, (int64_t)g->amount};
        for (int s = 0; s < 2; s++) {
            uint32_t k = start;
            while (k < end && c->eff_acc[k] != acc[s])
                k++;
            if (k == end) {
                c->eff_acc[end] = acc[s];
                c->eff_delta[end++] = 0;
            }
            /* No overflow: stl_lsm_check_sums bounded each account's credits and debits. */
            c->eff_delta[k] += d[s];
        }
    }
    /* Drop zeros, sort by account (insertion sort: at most 16 entries). */
    uint32_t w = start;
    for (uint32_t k = start; k < end; k++) {
        if (c->eff_delta[k] == 0)
            continue;
        uint32_t a = c->eff_acc[k];
        int64_t d = c->eff_delta[k];
        uint32_t j = w++;
        while (j > start && c->eff_acc[j - 1] > a) {
            c->eff_acc[j] = c->eff_acc[j - 1];
            c->eff_delta[j] = c->eff_delta[j - 1];
            j--;
        }
        c->eff_acc[j] = a;
        c->eff_delta[j] = d;
    }
    *e = w;
}

static void stl_lsm_build_debits(stl_lsm_ctx *c)
{
    memset(c->deb_first, 0, ((size_t)c->accounts + 1) * sizeof(uint32_t));
    for (uint32_t k = 0; k < c->eff_first[c->n]; k++)
        if (c->eff_delta[k] < 0)
            c->deb_first[c->eff_acc[k] + 1]++;
    for (uint32_t a = 0; a < c->accounts; a++)
        c->deb_first[a + 1] += c->deb_first[a];
    memcpy(c->cursor, c->deb_first, (size_t)c->accounts * sizeof(uint32_t));
    for (uint32_t i = 0; i < c->n; i++)
        for (uint32_t k = c->eff_first[i]; k < c->eff_first[i + 1]; k++)
            if (c->eff_delta[k] < 0)
                c->deb[c->cursor[c->eff_acc[k]]++] =
                    (stl_lsm_debit){.amount = -c->eff_delta[k], .instr = i};
}

stl_lsm_rc stl_lsm_setup(stl_lsm_ctx *c, void *workspace, size_t workspace_bytes,
                         const stl_lsm_problem *p)
{
    LDG_ASSERT(p && (p->instrs || p->instr_count == 0) && (p->legs || p->leg_count == 0));
    LDG_ASSERT(p->balances || p->account_count == 0);
    LDG_ASSERT(((uintptr_t)workspace & 15) == 0);
    stl_lsm_rc rc = stl_lsm_validate(p);
    if (rc != STL_LSM_OK)
        return rc;
    if (workspace_bytes < stl_lsm_workspace_bytes(p->account_count, p->instr_count, p->leg_count))
        return STL_LSM_WORKSPACE;
    memset(c, 0, sizeof *c);
    c->p = p;
    c->n = p->instr_count;
    c->accounts = p->account_count;
    c->work_limit = p->work_limit ? p->work_limit : STL_LSM_WORK_DEFAULT;
    c->banned = UINT32_MAX;
    stl_bump b = {.base = workspace};
    stl_lsm_layout(c, &b, p->account_count, p->instr_count, p->leg_count);
    rc = stl_lsm_check_sums(c); /* before aggregation: bounds every partial sum below */
    if (rc != STL_LSM_OK)
        return rc;
    uint32_t e = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        c->eff_first[i] = e;
        stl_lsm_effects_of(c, i, &e);
        c->value[i] = (int64_t)p->legs[p->instrs[i].leg_first].amount;
        c->order[i] = i;
    }
    c->eff_first[c->n] = e;
    stl_lsm_build_debits(c);
    stl_lsm_heapsort(c->order, c->n, sizeof(uint32_t), stl_order_less, c);
    for (uint32_t a = 0; a < c->accounts; a++)
        c->bal[a] = (int64_t)p->balances[a];
    memset(c->in, 0, c->n);
    memset(c->lock, 0, c->n);
    return STL_LSM_OK;
}

/* ---- set membership ---- */

static inline __int128 stl_def(int64_t b)
{
    return b < 0 ? -(__int128)b : 0;
}

static void stl_lsm_apply(stl_lsm_ctx *c, uint32_t i, int sign)
{
    for (uint32_t k = c->eff_first[i]; k < c->eff_first[i + 1]; k++) {
        int64_t *b = &c->bal[c->eff_acc[k]];
        c->deficit -= stl_def(*b);
        *b += sign * c->eff_delta[k];
        c->deficit += stl_def(*b);
    }
    c->work += c->eff_first[i + 1] - c->eff_first[i] + 1;
}

void stl_lsm_add(stl_lsm_ctx *c, uint32_t i)
{
    LDG_ASSERT(!c->in[i]);
    stl_lsm_apply(c, i, 1);
    c->in[i] = 1;
    c->in_count++;
    c->cur_value += c->value[i];
    if (c->logging)
        c->log[c->log_len++] = i | STL_LSM_LOG_ADDED;
}

void stl_lsm_remove(stl_lsm_ctx *c, uint32_t i)
{
    LDG_ASSERT(c->in[i]);
    stl_lsm_apply(c, i, -1);
    c->in[i] = 0;
    c->in_count--;
    c->cur_value -= c->value[i];
    if (c->logging)
        c->log[c->log_len++] = i;
}

static bool stl_lsm_fits(stl_lsm_ctx *c, uint32_t i)
{
    c->work += c->eff_first[i + 1] - c->eff_first[i] + 1;
    for (uint32_t k = c->eff_first[i]; k < c->eff_first[i + 1]; k++)
        if (c->bal[c->eff_acc[k]] + c->eff_delta[k] < 0)
            return false;
    return true;
}

static bool stl_lsm_budget_left(const stl_lsm_ctx *c)
{
    return c->work < c->work_limit;
}

void stl_lsm_emit(stl_lsm_result *r, const stl_lsm_ctx *c, stl_lsm_method method)
{
    LDG_ASSERT(c->deficit == 0);
    uint64_t value = 0;
    uint32_t count = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        r->settled[i] = c->in[i];
        if (c->in[i]) {
            value += (uint64_t)c->value[i];
            count++;
        }
    }
    LDG_ASSERT(value == (uint64_t)c->cur_value && count == c->in_count);
    for (uint32_t a = 0; a < c->accounts; a++) {
        LDG_ASSERT(c->bal[a] >= 0);
        r->final_balances[a] = (uint64_t)c->bal[a];
    }
    r->settled_value = value;
    r->settled_count = count;
    r->work_used = c->work;
    r->method = method;
}

/* ---- fine removal: exact deficit-reduction scores over all candidates ---- */

typedef struct stl_cand {
    uint32_t instr;
    bool found;
    bool reduces; /* removing it lowers the total deficit */
    uint64_t value;
    unsigned __int128 gain; /* total deficit reduction if reduces, else local reduction */
} stl_cand;

/* Smaller value per unit of deficit removed is better; instructions that lower the total
 * deficit beat those that only move it; ties remove the higher index. */
static bool stl_cand_better(const stl_cand *x, const stl_cand *best)
{
    if (!best->found)
        return true;
    if (x->reduces != best->reduces)
        return x->reduces;
    unsigned __int128 l = (unsigned __int128)x->value * best->gain;
    unsigned __int128 r = (unsigned __int128)best->value * x->gain;
    if (l != r)
        return l < r;
    return x->instr > best->instr;
}

static void stl_lsm_score(stl_lsm_ctx *c, uint32_t i, stl_cand *best)
{
    __int128 total = 0, local = 0;
    for (uint32_t k = c->eff_first[i]; k < c->eff_first[i + 1]; k++) {
        int64_t b = c->bal[c->eff_acc[k]], d = c->eff_delta[k];
        total += stl_def(b) - stl_def(b - d);
        if (d < 0 && b < 0)
            local += -d < -b ? -d : -b;
    }
    c->work += c->eff_first[i + 1] - c->eff_first[i] + 1;
    if (c->local_scores) /* second opinion: only the debited accounts' relief counts */
        total = 0;
    stl_cand x = {.instr = i, .found = true, .reduces = total > 0, .value = (uint64_t)c->value[i]};
    x.gain = (unsigned __int128)(total > 0 ? total : local);
    if (stl_cand_better(&x, best))
        *best = x;
}

/* Removes one unlocked instruction debiting an account in deficit; false if there is none
 * (the locked instructions cannot settle together). */
static bool stl_lsm_fine_step(stl_lsm_ctx *c)
{
    stl_cand best = {.found = false};
    for (uint32_t a = 0; a < c->accounts; a++) {
        if (c->bal[a] >= 0)
            continue;
        for (uint32_t k = c->deb_first[a]; k < c->deb_first[a + 1]; k++) {
            uint32_t i = c->deb[k].instr;
            if (c->in[i] && !c->lock[i])
                stl_lsm_score(c, i, &best);
        }
    }
    if (!best.found)
        return false;
    stl_lsm_remove(c, best.instr);
    return true;
}

/* ---- coarse removal: per-account lists by value per unit debited, O(legs log legs) ---- */

static void stl_lsm_enqueue(stl_lsm_ctx *c, uint32_t a, uint32_t *tail)
{
    if (c->queued[a])
        return;
    c->queued[a] = 1;
    c->queue[*tail % c->accounts] = a;
    (*tail)++;
}

static bool stl_lsm_coarse_drain(stl_lsm_ctx *c, uint32_t a, uint32_t *tail)
{
    while (c->bal[a] < 0) {
        if (c->cursor[a] == c->deb_first[a + 1])
            return false; /* only locked instructions left on this account */
        uint32_t i = c->deb[c->cursor[a]++].instr;
        c->work++;
        if (!c->in[i] || c->lock[i])
            continue;
        stl_lsm_remove(c, i);
        for (uint32_t k = c->eff_first[i]; k < c->eff_first[i + 1]; k++)
            if (c->bal[c->eff_acc[k]] < 0)
                stl_lsm_enqueue(c, c->eff_acc[k], tail);
    }
    return true;
}

static bool stl_lsm_coarse_remove(stl_lsm_ctx *c)
{
    uint32_t head = 0, tail = 0;
    memcpy(c->cursor, c->deb_first, (size_t)c->accounts * sizeof(uint32_t));
    memset(c->queued, 0, c->accounts);
    for (uint32_t a = 0; a < c->accounts; a++)
        if (c->bal[a] < 0)
            stl_lsm_enqueue(c, a, &tail);
    while (head != tail) {
        uint32_t a = c->queue[head++ % c->accounts];
        c->queued[a] = 0;
        if (!stl_lsm_coarse_drain(c, a, &tail))
            return false;
    }
    LDG_ASSERT(c->deficit == 0);
    return true;
}

/* Removes unlocked instructions until no account is in deficit. Fine scoring while the
 * budget lasts (on instances small enough for it), coarse lists to finish. False if the
 * locked instructions cannot settle together (never the case when they are feasible). */
static bool stl_lsm_remove_to_feasible(stl_lsm_ctx *c, bool fine)
{
    while (c->deficit > 0 && fine && stl_lsm_budget_left(c))
        if (!stl_lsm_fine_step(c))
            return false;
    return c->deficit == 0 || stl_lsm_coarse_remove(c);
}

/* ---- improvement ---- */

/* Adds, by value descending, every outside instruction that fits; repeats while anything
 * was added (an addition credits accounts and can make room for others). */
static void stl_lsm_readd(stl_lsm_ctx *c)
{
    bool added = true;
    while (added && stl_lsm_budget_left(c)) {
        added = false;
        for (uint32_t k = 0; k < c->n; k++) {
            uint32_t i = c->order[k];
            if (!c->in[i] && i != c->banned && stl_lsm_fits(c, i)) {
                stl_lsm_add(c, i);
                added = true;
            }
        }
    }
}

/* ---- equal-amount cycles: the canonical gridlock ---- */

/* A "single" moves one amount from one account to another (its legs may be several). */
static int64_t stl_single_amount(const stl_lsm_ctx *c, uint32_t i)
{
    int64_t d = c->eff_delta[c->eff_first[i]];
    return d < 0 ? -d : d;
}

/* Outside singles by (amount, index): cycles of equal amounts net to zero. */
static bool stl_single_less(const stl_lsm_ctx *c, const void *x, const void *y)
{
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    if (stl_single_amount(c, i) != stl_single_amount(c, j))
        return stl_single_amount(c, i) < stl_single_amount(c, j);
    return i < j;
}

static uint32_t stl_single_from(const stl_lsm_ctx *c, uint32_t i)
{
    uint32_t k = c->eff_first[i];
    return c->eff_delta[k] < 0 ? c->eff_acc[k] : c->eff_acc[k + 1];
}

static uint32_t stl_single_to(const stl_lsm_ctx *c, uint32_t i)
{
    uint32_t k = c->eff_first[i];
    return c->eff_delta[k] > 0 ? c->eff_acc[k] : c->eff_acc[k + 1];
}

/* Breadth-first search, over the outside edges of group g[0..len) other than g[skip], for
 * a path from account `start` to `target`; on success settles the path and g[skip] (a
 * cycle of equal amounts changes no balance). cursor[] holds the parent edge, queued[]
 * marks visited accounts; both are restored. */
static void stl_lsm_close_cycle(stl_lsm_ctx *c, const uint32_t *g, uint32_t len, uint32_t skip)
{
    uint32_t start = stl_single_to(c, g[skip]), target = stl_single_from(c, g[skip]);
    uint32_t head = 0, tail = 0;
    bool found = false;
    c->queue[tail++] = start;
    c->queued[start] = 1;
    while (head < tail && !found && stl_lsm_budget_left(c)) {
        uint32_t x = c->queue[head++];
        for (uint32_t k = 0; k < len && !found; k++) {
            uint32_t i = g[k], to = stl_single_to(c, i);
            c->work++;
            if (k == skip || c->in[i] || stl_single_from(c, i) != x || c->queued[to])
                continue;
            c->queued[to] = 1;
            c->cursor[to] = k;
            c->queue[tail++] = to;
            found = to == target;
        }
    }
    if (found) {
        stl_lsm_add(c, g[skip]);
        for (uint32_t a = target; a != start; a = stl_single_from(c, g[c->cursor[a]]))
            stl_lsm_add(c, g[c->cursor[a]]);
    }
    for (uint32_t k = 0; k < tail; k++)
        c->queued[c->queue[k]] = 0;
    LDG_ASSERT(c->deficit == 0);
}

/* Settles cycles of equal-amount singles among the outside ones. Uses the
 * journal array as scratch (free outside insert-and-repair). */
static void stl_lsm_add_cycles(stl_lsm_ctx *c)
{
    uint32_t *g = c->log, len = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (!c->in[i] && c->eff_first[i + 1] - c->eff_first[i] == 2 &&
            c->eff_delta[c->eff_first[i]] == -c->eff_delta[c->eff_first[i] + 1])
            g[len++] = i;
    stl_lsm_heapsort(g, len, sizeof(uint32_t), stl_single_less, c);
    memset(c->queued, 0, c->accounts);
    for (uint32_t lo = 0, hi; lo < len && stl_lsm_budget_left(c); lo = hi) {
        for (hi = lo + 1; hi < len && stl_single_amount(c, g[hi]) == stl_single_amount(c, g[lo]);
             hi++)
            ;
        for (uint32_t k = lo; k < hi && hi - lo > 1 && stl_lsm_budget_left(c); k++)
            if (!c->in[g[k]])
                stl_lsm_close_cycle(c, g + lo, hi - lo, k - lo);
    }
}

/* Offsetting subsets among the outside instructions: add them all tentatively, lock the
 * current set, remove to feasibility among the tentative ones only. Whatever survives
 * (e.g. a whole cycle that nets to zero) settles together with the current set. */
static void stl_lsm_recover_offsets(stl_lsm_ctx *c, bool fine)
{
    for (uint32_t i = 0; i < c->n; i++)
        c->lock[i] = c->in[i];
    for (uint32_t i = 0; i < c->n; i++)
        if (!c->lock[i])
            stl_lsm_add(c, i);
    bool ok = stl_lsm_remove_to_feasible(c, fine);
    LDG_ASSERT(ok); /* the locked set was feasible */
    memset(c->lock, 0, c->n);
}

static void stl_lsm_undo(stl_lsm_ctx *c)
{
    c->logging = false;
    while (c->log_len > 0) {
        uint32_t e = c->log[--c->log_len];
        if (e & STL_LSM_LOG_ADDED)
            stl_lsm_remove(c, e & ~STL_LSM_LOG_ADDED);
        else
            stl_lsm_add(c, e);
    }
}

/* Insert-and-repair: force one outside instruction in, remove others to feasibility, re-add
 * what fits; keep the move if the value grew, else undo it. One pass over the outside
 * instructions by value descending; returns whether anything improved. */
static bool stl_lsm_insert_pass(stl_lsm_ctx *c)
{
    bool improved = false;
    for (uint32_t k = 0; k < c->n && stl_lsm_budget_left(c); k++) {
        uint32_t j = c->order[k];
        if (c->in[j] || c->value[j] == 0)
            continue;
        int64_t before = c->cur_value;
        c->logging = true;
        c->log_len = 0;
        stl_lsm_add(c, j);
        c->lock[j] = 1;
        bool ok = stl_lsm_remove_to_feasible(c, true);
        c->lock[j] = 0;
        if (ok)
            stl_lsm_readd(c);
        if (ok && c->cur_value > before) {
            improved = true;
            c->logging = false;
        } else {
            stl_lsm_undo(c);
        }
    }
    c->logging = false;
    return improved;
}

/* The outside instruction that best supports account a (in deficit by `need`): among
 * those crediting a, the smallest credit that covers the need, else the largest credit;
 * ties to the lower index. UINT32_MAX if none. */
static uint32_t stl_lsm_supporter(stl_lsm_ctx *c, uint32_t a, int64_t need)
{
    uint32_t best = UINT32_MAX;
    int64_t best_credit = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->in[i])
            continue;
        int64_t credit = 0;
        for (uint32_t k = c->eff_first[i]; k < c->eff_first[i + 1]; k++)
            if (c->eff_acc[k] == a)
                credit = c->eff_delta[k];
        c->work += c->eff_first[i + 1] - c->eff_first[i] + 1;
        if (credit <= 0)
            continue;
        bool covers = credit >= need, best_covers = best_credit >= need;
        if (best == UINT32_MAX || (covers && !best_covers) ||
            (covers && best_covers && credit < best_credit) ||
            (!covers && !best_covers && credit > best_credit)) {
            best = i;
            best_credit = credit;
        }
    }
    return best;
}

/* Chain insertion: force one outside instruction in, then, up to `depth` times, the
 * outside instruction that best supports the account the last forced one left deepest in
 * deficit; repair (the forced ones locked), re-add; keep if the value grew. Reaches sets
 * where a large payment is only affordable with a large incoming one, which the single
 * insert move cannot (its repair drops the forced instruction's only funding). */
static bool stl_lsm_chain_pass(stl_lsm_ctx *c, uint32_t depth)
{
    bool improved = false;
    for (uint32_t k = 0; k < c->n && stl_lsm_budget_left(c); k++) {
        uint32_t j = c->order[k];
        if (c->in[j] || c->value[j] == 0)
            continue;
        int64_t before = c->cur_value;
        c->logging = true;
        c->log_len = 0;
        stl_lsm_add(c, j);
        c->lock[j] = 1;
        uint32_t forced[STL_LSM_CHAIN_MAX + 1] = {j}, nforced = 1;
        for (uint32_t d = 0; d < depth && d < STL_LSM_CHAIN_MAX; d++) {
            uint32_t last = forced[nforced - 1], acc = UINT32_MAX;
            int64_t worst = 0;
            for (uint32_t e = c->eff_first[last]; e < c->eff_first[last + 1]; e++)
                if (c->bal[c->eff_acc[e]] < worst) {
                    worst = c->bal[c->eff_acc[e]];
                    acc = c->eff_acc[e];
                }
            if (acc == UINT32_MAX)
                break;
            uint32_t s = stl_lsm_supporter(c, acc, -worst);
            if (s == UINT32_MAX)
                break;
            stl_lsm_add(c, s);
            c->lock[s] = 1;
            forced[nforced++] = s;
        }
        bool ok = stl_lsm_remove_to_feasible(c, true);
        for (uint32_t f = 0; f < nforced; f++)
            c->lock[forced[f]] = 0;
        if (ok)
            stl_lsm_readd(c);
        if (ok && c->cur_value > before) {
            improved = true;
            c->logging = false;
        } else {
            stl_lsm_undo(c);
        }
    }
    c->logging = false;
    return improved;
}

/* Drop-and-refill: take one settled instruction out (cheapest first), re-add what fits
 * without it; keep the move if the value grew. Frees liquidity held by a low-value
 * instruction for higher-value ones. Returns whether anything improved. */
static bool stl_lsm_drop_pass(stl_lsm_ctx *c)
{
    bool improved = false;
    for (uint32_t k = c->n; k-- > 0 && stl_lsm_budget_left(c);) {
        uint32_t j = c->order[k];
        if (!c->in[j])
            continue;
        int64_t before = c->cur_value;
        c->logging = true;
        c->log_len = 0;
        stl_lsm_remove(c, j);
        c->banned = j;
        bool ok = stl_lsm_remove_to_feasible(c, true); /* j may have funded its payee */
        if (ok)
            stl_lsm_readd(c);
        c->banned = UINT32_MAX;
        if (ok && c->cur_value > before) {
            improved = true;
            c->logging = false;
        } else {
            stl_lsm_undo(c);
        }
    }
    c->logging = false;
    return improved;
}

static void stl_lsm_clear(stl_lsm_ctx *c);

/* Improvement of a feasible set: re-add, equal-amount cycles, offset recovery, re-add, then
 * (fine) insert-and-repair and drop-and-refill passes until no move helps. */
static void stl_lsm_improve(stl_lsm_ctx *c, bool fine)
{
    stl_lsm_readd(c);
    stl_lsm_add_cycles(c);
    stl_lsm_recover_offsets(c, fine);
    stl_lsm_readd(c);
    bool improved = true;
    while (improved && stl_lsm_budget_left(c)) {
        improved = stl_lsm_insert_pass(c);
        improved |= stl_lsm_drop_pass(c);
        if (!improved && fine)
            improved = stl_lsm_chain_pass(c, 1);
    }
}

/* One construction and improvement from the empty set. With cycles_first, equal-amount
 * cycles are found over the whole queue and kept (locked) through the construction: a
 * gridlock buried under unaffordable instructions then survives the removals. */
static bool stl_lsm_variant(stl_lsm_ctx *c, bool fine, bool construct_fine, bool cycles_first)
{
    if (cycles_first) {
        stl_lsm_add_cycles(c);
        if (c->in_count == 0)
            return false; /* no cycle: the same run as without cycles_first */
        for (uint32_t i = 0; i < c->n; i++)
            c->lock[i] = c->in[i];
    }
    for (uint32_t i = 0; i < c->n; i++)
        if (!c->in[i])
            stl_lsm_add(c, i);
    bool ok = stl_lsm_remove_to_feasible(c, construct_fine);
    LDG_ASSERT(ok); /* only zero-net cycles locked: feasible on their own */
    memset(c->lock, 0, c->n);
    stl_lsm_improve(c, fine);
    return true;
}

/* The flow-relaxation start: the rounded LP optimum over payments, repaired, improved.
 * False (nothing done) if the queue has no payments or the relaxation ran out of budget. */
static bool stl_lsm_flow_variant(stl_lsm_ctx *c, bool fine)
{
    int64_t bound;
    if (!stl_lsm_flow_start(c, &bound)) {
        stl_lsm_clear(c);
        return false;
    }
    bool ok = stl_lsm_remove_to_feasible(c, fine); /* nothing locked: always succeeds */
    LDG_ASSERT(ok);
    stl_lsm_improve(c, fine);
    return true;
}

static void stl_lsm_clear(stl_lsm_ctx *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->in[i])
            stl_lsm_remove(c, i);
}

/* Makes the current set equal to best[]. */
static void stl_lsm_restore(stl_lsm_ctx *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->in[i] && !c->best[i])
            stl_lsm_remove(c, i);
    for (uint32_t i = 0; i < c->n; i++)
        if (!c->in[i] && c->best[i])
            stl_lsm_add(c, i);
    c->work += c->n;
}

static uint64_t stl_lsm_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Iterated local search from best[] (the current set): force a few outside instructions
 * in (pseudo-random, from a fixed seed: deterministic), repair, improve; keep the result
 * if its value is at least the best's (plateaus are walked), else go back to the best. */
static void stl_lsm_kick_search(stl_lsm_ctx *c, int64_t *best_value)
{
    uint64_t seed = 0x4c534d5eedULL ^ c->n;
    while (stl_lsm_budget_left(c) && c->in_count < c->n) {
        uint32_t kicks = 1 + (uint32_t)(stl_lsm_rand(&seed) % 3);
        for (uint32_t k = 0; k < kicks; k++) {
            uint32_t i = (uint32_t)(stl_lsm_rand(&seed) % c->n), tries = 0;
            while (c->in[i] && tries++ < c->n)
                i = i + 1 == c->n ? 0 : i + 1;
            if (!c->in[i]) {
                stl_lsm_add(c, i);
                c->lock[i] = 1;
            }
        }
        bool ok = stl_lsm_remove_to_feasible(c, true);
        memset(c->lock, 0, c->n);
        if (!ok) { /* the kicked ones cannot settle together */
            stl_lsm_restore(c);
            continue;
        }
        stl_lsm_readd(c);
        bool improved = true;
        while (improved && stl_lsm_budget_left(c)) {
            improved = stl_lsm_insert_pass(c);
            improved |= stl_lsm_drop_pass(c);
        }
        if (c->cur_value >= *best_value) {
            *best_value = c->cur_value;
            memcpy(c->best, c->in, c->n);
        } else {
            stl_lsm_restore(c);
        }
    }
}

static stl_lsm_method stl_lsm_run(stl_lsm_ctx *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        stl_lsm_add(c, i);
    if (c->deficit == 0)
        return STL_LSM_ALL;
    bool fine = c->n <= STL_LSM_FINE_INSTR_MAX;
    for (uint32_t a = 0; a < c->accounts; a++)
        stl_lsm_heapsort(c->deb + c->deb_first[a], c->deb_first[a + 1] - c->deb_first[a],
                         sizeof(stl_lsm_debit), stl_debit_less, c);
    /* Several starts, each with an equal share of what is left of the budget; the best
     * value wins, ties to the earlier start. */
    static const struct {
        bool flow, construct_fine, cycles_first, local_scores;
    } starts[] = {{true, true, false, false},
                  {false, true, false, false},
                  {false, true, true, false},
                  {false, false, false, false}};
    uint64_t limit = c->work_limit;
    if (!fine) /* large queues: half the budget, so that 100k instructions stay well < 1 s */
        c->work_limit = limit / 2;
    uint64_t starts_limit = c->work_limit;
    int64_t best_value = -1;
    for (uint32_t v = 0; v < LDG_ARRAY_LEN(starts); v++) {
        uint64_t left = starts_limit > c->work ? starts_limit - c->work : 0;
        c->work_limit = c->work + left / (LDG_ARRAY_LEN(starts) - v);
        stl_lsm_clear(c);
        if (starts[v].flow) {
            if (!fine || !stl_lsm_flow_variant(c, fine))
                continue;
        } else if (!fine && !starts[v].construct_fine && !starts[v].cycles_first) {
            continue; /* the same run as the first coarse one */
        } else {
            c->local_scores = starts[v].local_scores;
            bool ran =
                stl_lsm_variant(c, fine, fine && starts[v].construct_fine, starts[v].cycles_first);
            c->local_scores = false;
            if (!ran)
                continue;
        }
        if (c->cur_value > best_value) {
            best_value = c->cur_value;
            memcpy(c->best, c->in, c->n);
        }
    }

    c->work_limit = limit;
    stl_lsm_restore(c);
    if (fine) { /* iterated local search: half as much again as the starts took */
        uint64_t more = c->work / 2;
        c->work_limit = limit - c->work > more ? c->work + more : limit;
        stl_lsm_kick_search(c, &best_value);
        c->work_limit = limit;
    }
    if (c->n <= STL_LSM_EXACT_INSTR_MAX && stl_lsm_exact(c))
        return STL_LSM_EXACT;
    return STL_LSM_HEURISTIC;
}

stl_lsm_rc stl_lsm_solve(stl_lsm_result *result, void *workspace, size_t workspace_bytes,
                         const stl_lsm_problem *problem)
{
    LDG_ASSERT(result && result->settled && result->final_balances);
    stl_lsm_ctx c;
    stl_lsm_rc rc = stl_lsm_setup(&c, workspace, workspace_bytes, problem);
    if (rc != STL_LSM_OK)
        return rc;
    stl_lsm_method m = stl_lsm_run(&c);
    stl_lsm_emit(result, &c, m);
    return STL_LSM_OK;
}

bool stl_lsm_check(uint64_t *value_out, int64_t *scratch, const stl_lsm_problem *p,
                   const uint8_t *settled)
{
    uint64_t value = 0;
    for (uint32_t a = 0; a < p->account_count; a++)
        if (__builtin_add_overflow(p->balances[a], 0, &scratch[a]))
            return false;
    for (uint32_t i = 0; i < p->instr_count; i++) {
        const stl_lsm_instr *in = &p->instrs[i];
        if (!settled[i])
            continue;
        if (in->leg_count == 0 || in->leg_first > p->leg_count ||
            in->leg_count > p->leg_count - in->leg_first)
            return false;
        if (__builtin_add_overflow(value, p->legs[in->leg_first].amount, &value))
            return false;
        for (uint32_t l = in->leg_first; l < in->leg_first + in->leg_count; l++) {
            const stl_lsm_leg *g = &p->legs[l];
            if (g->from >= p->account_count || g->to >= p->account_count ||
                __builtin_sub_overflow(scratch[g->from], g->amount, &scratch[g->from]) ||
                __builtin_add_overflow(scratch[g->to], g->amount, &scratch[g->to]))
                return false;
        }
    }
    for (uint32_t a = 0; a < p->account_count; a++)
        if (scratch[a] < 0)
            return false;
    *value_out = value;
    return true;
}
