/* The LSM's flow relaxation: a start for the heuristic from the LP relaxation of the
 * payments, solved exactly with integers.
 *
 * A payment moves its amount from one account to another and is worth that amount. Over
 * payments only, the LP relaxation (0 <= x_i <= 1) is a min-cost flow: settle every
 * payment in full, so account k needs need_k = out_k - in_k - balance_k more (supply if
 * > 0) or has slack -need_k; holding back d units of the payments k -> j relieves k and
 * burdens j by d and costs d. Holding back along a path from an account in deficit to one
 * with slack moves the deficit there at cost (path length) per unit; holding back less on
 * an arc already held back is the reverse move (cost -1). The cheapest way to route all
 * supply to slack is the LP optimum: value = total - cost. Parallel payments on one
 * (from, to) pair cost the same per unit, so they form one arc.
 *
 * Successive shortest paths: dense Dijkstra on reduced costs with potentials (costs are
 * small integers, amounts are capacities), O(V^2 + E) per augmentation; each augmentation
 * saturates an arc, a supply or a slack. Rounding: each arc's payments, largest first
 * (then lower index), are taken while they fit in the arc's flow. The rounded set can
 * leave accounts short (an arc into them carries less than its flow); the caller repairs. */
#include <string.h>

#include "ldg_assert.h"
#include "stl_lsm_int.h"

#define STL_FLOW_INF (INT64_MAX / 4)
#define STL_FLOW_FROM_SOURCE UINT32_MAX

static bool stl_lsm_is_payment(const stl_lsm_ctx *c, uint32_t i)
{
    uint32_t k = c->eff_first[i];
    return c->eff_first[i + 1] - k == 2 && c->eff_delta[k] == -c->eff_delta[k + 1] &&
           (c->eff_delta[k] == c->value[i] || c->eff_delta[k] == -c->value[i]);
}

static uint32_t stl_pay_from(const stl_lsm_ctx *c, uint32_t i)
{
    uint32_t k = c->eff_first[i];
    return c->eff_delta[k] < 0 ? c->eff_acc[k] : c->eff_acc[k + 1];
}

static uint32_t stl_pay_to(const stl_lsm_ctx *c, uint32_t i)
{
    uint32_t k = c->eff_first[i];
    return c->eff_delta[k] > 0 ? c->eff_acc[k] : c->eff_acc[k + 1];
}

/* (from, to) ascending, then value descending, then index ascending. */
static bool stl_pay_less(const stl_lsm_ctx *c, const void *x, const void *y)
{
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    uint32_t fi = stl_pay_from(c, i), fj = stl_pay_from(c, j);
    if (fi != fj)
        return fi < fj;
    uint32_t ti = stl_pay_to(c, i), tj = stl_pay_to(c, j);
    if (ti != tj)
        return ti < tj;
    if (c->value[i] != c->value[j])
        return c->value[i] > c->value[j];
    return i < j;
}

/* Payments sorted, arcs, adjacency, supplies and slacks. Returns the total supply. */
static int64_t stl_flow_build(stl_lsm_ctx *c)
{
    uint32_t m = c->accounts, count = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (stl_lsm_is_payment(c, i))
            c->fl_idx[count++] = i;
    c->fl_count = count;
    c->work += c->n;
    stl_lsm_heapsort(c->fl_idx, count, sizeof(uint32_t), stl_pay_less, c);
    c->work += (uint64_t)count * 8;
    uint32_t e = 0;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t i = c->fl_idx[k], f = stl_pay_from(c, i), t = stl_pay_to(c, i);
        if (e == 0 || c->arc_from[e - 1] != f || c->arc_to[e - 1] != t) {
            c->arc_first[e] = k;
            c->arc_from[e] = f;
            c->arc_to[e] = t;
            c->arc_cap[e] = 0;
            c->arc_red[e] = 0;
            e++;
        }
        c->arc_cap[e - 1] += c->value[i]; /* <= the account's debits: no overflow */
    }
    c->arc_first[e] = count;
    c->arc_count = e;
    memset(c->out_first, 0, ((size_t)m + 1) * sizeof(uint32_t));
    memset(c->in_first, 0, ((size_t)m + 1) * sizeof(uint32_t));
    for (uint32_t a = 0; a < e; a++) {
        c->out_first[c->arc_from[a] + 1]++;
        c->in_first[c->arc_to[a] + 1]++;
    }
    for (uint32_t k = 0; k < m; k++) {
        c->out_first[k + 1] += c->out_first[k];
        c->in_first[k + 1] += c->in_first[k];
    }
    for (uint32_t k = 0; k < m; k++)
        c->prev[k] = c->in_first[k]; /* cursor */
    for (uint32_t a = 0; a < e; a++)
        c->in_arc[c->prev[c->arc_to[a]]++] = a;
    /* need = out - in - balance over payments; each partial sum is bounded by
     * stl_lsm_check_sums (balance + credits and debits fit int64). */
    for (uint32_t k = 0; k < m; k++)
        c->supply[k] = -(int64_t)c->p->balances[k];
    for (uint32_t a = 0; a < e; a++) {
        c->supply[c->arc_from[a]] += c->arc_cap[a];
        c->supply[c->arc_to[a]] -= c->arc_cap[a];
    }
    int64_t total = 0;
    for (uint32_t k = 0; k < m; k++) {
        c->slack[k] = c->supply[k] < 0 ? -c->supply[k] : 0;
        c->supply[k] = c->supply[k] > 0 ? c->supply[k] : 0;
        total += c->supply[k]; /* <= total debits of payments */
    }
    c->work += (uint64_t)e * 3 + (uint64_t)m * 4;
    return total;
}

/* One shortest path from the source to the sink on reduced costs; false if none. */
static bool stl_flow_dijkstra(stl_lsm_ctx *c)
{
    uint32_t m = c->accounts, src = m, snk = m + 1, nodes = m + 2;
    for (uint32_t v = 0; v < nodes; v++) {
        c->dist[v] = STL_FLOW_INF;
        c->done[v] = 0;
    }
    c->dist[src] = 0;
    for (;;) {
        uint32_t u = UINT32_MAX;
        int64_t best = STL_FLOW_INF;
        for (uint32_t v = 0; v < nodes; v++)
            if (!c->done[v] && c->dist[v] < best) {
                best = c->dist[v];
                u = v;
            }
        c->work += nodes;
        if (u == UINT32_MAX)
            return false;
        c->done[u] = 1;
        if (u == snk)
            break;
        if (u == src) {
            for (uint32_t k = 0; k < m; k++) {
                int64_t d = best + c->pot[src] - c->pot[k];
                if (c->supply[k] > 0 && d < c->dist[k]) {
                    c->dist[k] = d;
                    c->prev[k] = STL_FLOW_FROM_SOURCE;
                }
            }
            continue;
        }
        for (uint32_t a = c->out_first[u]; a < c->out_first[u + 1]; a++) {
            uint32_t v = c->arc_to[a];
            int64_t d = best + 1 + c->pot[u] - c->pot[v];
            if (c->arc_red[a] < c->arc_cap[a] && d < c->dist[v]) {
                c->dist[v] = d;
                c->prev[v] = a << 1;
            }
        }
        for (uint32_t k = c->in_first[u]; k < c->in_first[u + 1]; k++) {
            uint32_t a = c->in_arc[k], v = c->arc_from[a];
            int64_t d = best - 1 + c->pot[u] - c->pot[v];
            if (c->arc_red[a] > 0 && d < c->dist[v]) {
                c->dist[v] = d;
                c->prev[v] = a << 1 | 1;
            }
        }
        c->work += c->out_first[u + 1] - c->out_first[u] + c->in_first[u + 1] - c->in_first[u];
        int64_t d = best + c->pot[u] - c->pot[snk];
        if (c->slack[u] > 0 && d < c->dist[snk]) {
            c->dist[snk] = d;
            c->prev[snk] = u;
        }
    }
    int64_t dt = c->dist[snk];
    for (uint32_t v = 0; v < nodes; v++)
        c->pot[v] += c->done[v] ? c->dist[v] : dt;
    return true;
}

/* The account before v on the path, and the residual capacity of the step into v. */
static uint32_t stl_flow_back(const stl_lsm_ctx *c, uint32_t v, int64_t *cap)
{
    uint32_t a = c->prev[v] >> 1;
    if (c->prev[v] & 1) {
        *cap = c->arc_red[a];
        return c->arc_to[a];
    }
    *cap = c->arc_cap[a] - c->arc_red[a];
    return c->arc_from[a];
}

/* Pushes the bottleneck along the path found; returns the amount. */
static int64_t stl_flow_augment(stl_lsm_ctx *c)
{
    uint32_t m = c->accounts, last = c->prev[m + 1], v = last;
    int64_t push = c->slack[last], cap;
    while (c->prev[v] != STL_FLOW_FROM_SOURCE) {
        uint32_t u = stl_flow_back(c, v, &cap);
        push = cap < push ? cap : push;
        v = u;
        c->work++;
    }
    push = c->supply[v] < push ? c->supply[v] : push;
    LDG_ASSERT(push > 0);
    c->supply[v] -= push;
    c->slack[last] -= push;
    for (v = last; c->prev[v] != STL_FLOW_FROM_SOURCE;) {
        uint32_t a = c->prev[v] >> 1;
        uint32_t u = stl_flow_back(c, v, &cap);
        c->arc_red[a] += c->prev[v] & 1 ? -push : push;
        v = u;
    }
    return push;
}

bool stl_lsm_flow_start(stl_lsm_ctx *c, int64_t *bound)
{
    LDG_ASSERT(c->in_count == 0);
    int64_t left = stl_flow_build(c);
    if (c->fl_count == 0)
        return false;
    for (uint32_t v = 0; v < c->accounts + 2; v++)
        c->pot[v] = 0;
    int64_t cost = 0;
    while (left > 0) {
        if (c->work >= c->work_limit || !stl_flow_dijkstra(c))
            return false; /* out of budget (a path always exists: the empty set is feasible) */
        int64_t path_cost = c->pot[c->accounts + 1] - c->pot[c->accounts];
        int64_t push = stl_flow_augment(c);
        cost += push * path_cost;
        left -= push;
    }
    int64_t total = 0;
    for (uint32_t a = 0; a < c->arc_count; a++) {
        int64_t room = c->arc_cap[a] - c->arc_red[a];
        total += c->arc_cap[a];
        for (uint32_t k = c->arc_first[a]; k < c->arc_first[a + 1]; k++) {
            uint32_t i = c->fl_idx[k];
            if (c->value[i] <= room) {
                room -= c->value[i];
                stl_lsm_add(c, i);
            }
        }
    }
    *bound = total - cost;
    return true;
}
