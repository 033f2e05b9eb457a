/* Multilateral netting: radix sort of signed movements by (asset, participant), then one
 * linear pass summing runs in 128-bit accumulators. See stl_netting.h. */
#include "stl_netting.h"

#include <string.h>

#include "ldg_assert.h"

/* One signed movement of one asset for one participant. */
typedef struct stl_net_entry {
    uint64_t key; /* asset * participant_count + participant */
    int64_t delta;
} stl_net_entry;

enum {
    STL_NET_RADIX_BITS_MAX = 16,
    STL_NET_RADIX_PASSES_MAX = 3,
    STL_NET_HIST_SIZE = 1 << STL_NET_RADIX_BITS_MAX,
};

_Static_assert(STL_NET_INDEX_MAX <= (1U << 24), "keys fit 48 bits = three 16-bit passes");

/* Histograms: three digits of 2^16 counters, counters fit u32 (entries < 2^32). */
#define STL_NET_HIST_BYTES ((size_t)STL_NET_RADIX_PASSES_MAX * STL_NET_HIST_SIZE * sizeof(uint32_t))

size_t stl_net_workspace_bytes(size_t obligation_count)
{
    return obligation_count * 4 * sizeof(stl_net_entry) + STL_NET_HIST_BYTES;
}

const char *stl_net_rc_name(stl_net_rc rc)
{
    static const char *const names[] = {"OK",         "TOO_MANY", "BAD_INDEX", "SELF",
                                        "BAD_AMOUNT", "OVERFLOW", "WORKSPACE", "CAPACITY"};
    if ((unsigned)rc < LDG_ARRAY_LEN(names))
        return names[rc];
    return "UNKNOWN";
}

static stl_net_rc stl_net_validate(const stl_net_dims *dims, const stl_obligation *obl,
                                   size_t count)
{
    if (count > STL_NET_OBLIGATION_MAX || dims->participant_count > STL_NET_INDEX_MAX ||
        dims->isin_count > STL_NET_INDEX_MAX || dims->currency_count > STL_NET_INDEX_MAX)
        return STL_NET_TOO_MANY;
    for (size_t i = 0; i < count; i++) {
        const stl_obligation *o = &obl[i];
        if (o->from >= dims->participant_count || o->to >= dims->participant_count ||
            o->isin >= dims->isin_count || o->currency >= dims->currency_count)
            return STL_NET_BAD_INDEX;
    }
    for (size_t i = 0; i < count; i++)
        if (obl[i].from == obl[i].to)
            return STL_NET_SELF;
    for (size_t i = 0; i < count; i++)
        if (obl[i].quantity > STL_AMOUNT_MAX || obl[i].cash_amount > STL_AMOUNT_MAX)
            return STL_NET_BAD_AMOUNT;
    return STL_NET_OK;
}

static unsigned stl_net_bit_length(uint64_t x)
{
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

/* LSD radix sort of a[0..n) by key (stable, so equal keys keep input order); keys are
 * < key_limit. Returns the buffer holding the sorted data (a or tmp). */
static stl_net_entry *stl_net_radix_sort(stl_net_entry *a, stl_net_entry *tmp, size_t n,
                                         uint64_t key_limit, uint32_t *hist)
{
    unsigned bits = stl_net_bit_length(key_limit > 0 ? key_limit - 1 : 0);
    unsigned passes = (bits + STL_NET_RADIX_BITS_MAX - 1) / STL_NET_RADIX_BITS_MAX;
    if (passes == 0)
        return a;
    LDG_ASSERT(passes <= STL_NET_RADIX_PASSES_MAX);
    unsigned width = (bits + passes - 1) / passes;
    uint64_t mask = (1ULL << width) - 1;
    memset(hist, 0, (size_t)passes * STL_NET_HIST_SIZE * sizeof *hist);
    for (size_t i = 0; i < n; i++)
        for (unsigned p = 0; p < passes; p++)
            hist[p * STL_NET_HIST_SIZE + ((a[i].key >> (p * width)) & mask)]++;
    for (unsigned p = 0; p < passes; p++) {
        uint32_t *h = hist + (size_t)p * STL_NET_HIST_SIZE, sum = 0;
        for (uint64_t d = 0; d <= mask; d++) {
            uint32_t c = h[d];
            h[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[h[(a[i].key >> (p * width)) & mask]++] = a[i];
        stl_net_entry *swap = a;
        a = tmp;
        tmp = swap;
    }
    return a;
}

typedef struct stl_net_sink {
    stl_net_position *pos;
    size_t cap, count;
    stl_net_value *values; /* NULL for securities */
    size_t values_cap, values_count;
    unsigned __int128 gross_total, net_total;
} stl_net_sink;

/* Emits one asset's run [lo, hi) of sorted entries: its non-zero positions and values. */
static stl_net_rc stl_net_emit_asset(stl_net_sink *s, const stl_net_entry *e, size_t lo, size_t hi,
                                     uint32_t participant_count)
{
    uint32_t asset = (uint32_t)(e[lo].key / participant_count);
    unsigned __int128 gross = 0, net_pos = 0;
    __int128 check = 0;
    size_t i = lo;
    while (i < hi) {
        uint64_t key = e[i].key;
        __int128 sum = 0;
        for (; i < hi && e[i].key == key; i++) {
            sum += e[i].delta;
            if (e[i].delta < 0)
                gross += (unsigned __int128)(-(__int128)e[i].delta);
        }
        check += sum;
        if (sum == 0)
            continue;
        if (sum > INT64_MAX || sum < -(__int128)INT64_MAX)
            return STL_NET_OVERFLOW;
        if (s->count == s->cap)
            return STL_NET_CAPACITY;
        s->pos[s->count++] = (stl_net_position){.participant = (uint32_t)(key % participant_count),
                                                .asset = asset,
                                                .net = (int64_t)sum};
        if (sum > 0)
            net_pos += (unsigned __int128)sum;
    }
    LDG_ASSERT(check == 0); /* conservation: every delivery is someone's receipt */
    if (gross > UINT64_MAX)
        return STL_NET_OVERFLOW;
    s->gross_total += gross;
    s->net_total += net_pos;
    if (s->values) {
        if (s->values_count == s->values_cap)
            return STL_NET_CAPACITY;
        s->values[s->values_count++] =
            (stl_net_value){.currency = asset, .gross = (uint64_t)gross, .net = (uint64_t)net_pos};
    }
    return STL_NET_OK;
}

static stl_net_rc stl_net_emit(stl_net_sink *s, const stl_net_entry *e, size_t n,
                               uint32_t participant_count)
{
    size_t lo = 0;
    while (lo < n) {
        uint64_t asset = e[lo].key / participant_count;
        size_t hi = lo + 1;
        while (hi < n && e[hi].key / participant_count == asset)
            hi++;
        stl_net_rc rc = stl_net_emit_asset(s, e, lo, hi, participant_count);
        if (rc != STL_NET_OK)
            return rc;
        lo = hi;
    }
    if (s->gross_total > UINT64_MAX || s->net_total > UINT64_MAX)
        return STL_NET_OVERFLOW;
    return STL_NET_OK;
}

/* Builds the two movements of each obligation for one side (securities or cash). */
static void stl_net_fill(stl_net_entry *e, const stl_obligation *obl, size_t count,
                         uint32_t participant_count, int cash)
{
    for (size_t i = 0; i < count; i++) {
        const stl_obligation *o = &obl[i];
        uint64_t base = (uint64_t)(cash ? o->currency : o->isin) * participant_count;
        int64_t amount = (int64_t)(cash ? o->cash_amount : o->quantity);
        uint32_t payer = cash ? o->to : o->from, payee = cash ? o->from : o->to;
        e[2 * i] = (stl_net_entry){.key = base + payer, .delta = -amount};
        e[2 * i + 1] = (stl_net_entry){.key = base + payee, .delta = amount};
    }
}

static stl_net_rc stl_net_side(stl_net_sink *s, void *workspace, const stl_net_dims *dims,
                               const stl_obligation *obl, size_t count, int cash)
{
    stl_net_entry *a = workspace, *tmp = a + 2 * count;
    uint32_t *hist = (uint32_t *)(tmp + 2 * count);
    uint64_t assets = cash ? dims->currency_count : dims->isin_count;
    stl_net_fill(a, obl, count, dims->participant_count, cash);
    stl_net_entry *sorted =
        stl_net_radix_sort(a, tmp, 2 * count, assets * dims->participant_count, hist);
    return stl_net_emit(s, sorted, 2 * count, dims->participant_count);
}

static void stl_net_clear(stl_net_out *out)
{
    out->securities_count = out->cash_count = out->values_count = 0;
    out->gross_value = out->net_value = out->gross_quantity = out->net_quantity = 0;
}

stl_net_rc stl_net_compute(stl_net_out *out, void *workspace, size_t workspace_bytes,
                           const stl_net_dims *dims, const stl_obligation *obligations,
                           size_t obligation_count)
{
    LDG_ASSERT(out && dims && (obligations || obligation_count == 0));
    LDG_ASSERT(((uintptr_t)workspace & 15) == 0);
    stl_net_clear(out);
    stl_net_rc rc = stl_net_validate(dims, obligations, obligation_count);
    if (rc != STL_NET_OK)
        return rc;
    if (workspace_bytes < stl_net_workspace_bytes(obligation_count))
        return STL_NET_WORKSPACE;
    if (obligation_count == 0)
        return STL_NET_OK;
    stl_net_sink sec = {.pos = out->securities, .cap = out->securities_cap};
    stl_net_sink cash = {.pos = out->cash,
                         .cap = out->cash_cap,
                         .values = out->values,
                         .values_cap = out->values_cap};
    rc = stl_net_side(&sec, workspace, dims, obligations, obligation_count, 0);
    if (rc == STL_NET_OK)
        rc = stl_net_side(&cash, workspace, dims, obligations, obligation_count, 1);
    if (rc != STL_NET_OK)
        return rc;
    out->securities_count = sec.count;
    out->cash_count = cash.count;
    out->values_count = cash.values_count;
    out->gross_quantity = (uint64_t)sec.gross_total;
    out->net_quantity = (uint64_t)sec.net_total;
    out->gross_value = (uint64_t)cash.gross_total;
    out->net_value = (uint64_t)cash.net_total;
    return STL_NET_OK;
}
