/* Multilateral netting of novated obligations: pure, deterministic, integer-only.
 *
 * An obligation moves `quantity` of instrument `isin` from participant `from` to `to`, and
 * `cash_amount` of currency `currency` from `to` back to `from` (delivery versus payment).
 * Netting sums, per (participant, instrument) and per (participant, currency), what each
 * participant receives minus what it delivers. The result depends only on the obligations
 * as a multiset: positions come out sorted by (asset index, participant), i.e. instrument
 * by instrument (currency by currency), which is the order settlement walks them in.
 *
 * No allocation, no I/O, no globals: the caller provides the workspace and the output
 * arrays (see stl_net_workspace_bytes). specs/settlement.md, section "Netting", is the
 * normative description. */
#ifndef STL_NETTING_H
#define STL_NETTING_H

#include <stddef.h>
#include <stdint.h>

#include "stl_limits.h"

typedef struct stl_obligation {
    uint64_t id;          /* carried for the caller; netting does not depend on it */
    uint32_t from;        /* delivers the securities, receives the cash */
    uint32_t to;          /* receives the securities, pays the cash */
    uint32_t isin;        /* instrument index, < stl_net_dims.isin_count */
    uint32_t currency;    /* currency index, < stl_net_dims.currency_count */
    uint64_t quantity;    /* <= STL_AMOUNT_MAX */
    uint64_t cash_amount; /* <= STL_AMOUNT_MAX */
} stl_obligation;

/* Sizes of the caller's dense index spaces. Each count <= STL_NET_INDEX_MAX. */
typedef struct stl_net_dims {
    uint32_t participant_count;
    uint32_t isin_count;
    uint32_t currency_count;
} stl_net_dims;

/* One net position: positive = the participant receives, negative = it delivers/pays. */
typedef struct stl_net_position {
    uint32_t participant;
    uint32_t asset; /* isin index (securities) or currency index (cash) */
    int64_t net;
} stl_net_position;

/* Per-currency value figures. gross = sum of cash_amount over the obligations in this
 * currency; net = sum of the positive net cash positions in this currency (equal to the
 * sum of the negative ones negated: the cash that actually moves at settlement). */
typedef struct stl_net_value {
    uint32_t currency;
    uint64_t gross;
    uint64_t net;
} stl_net_value;

/* Caller-owned output. Capacities are in elements; every array is written only up to its
 * count. securities_cap and cash_cap of 2 * obligation_count are always enough, and so is
 * values_cap of min(obligation_count, currency_count). */
typedef struct stl_net_out {
    stl_net_position *securities; /* sorted by (isin, participant), zero nets omitted */
    size_t securities_cap;
    size_t securities_count;
    stl_net_position *cash; /* sorted by (currency, participant), zero nets omitted */
    size_t cash_cap;
    size_t cash_count;
    stl_net_value *values; /* sorted by currency; currencies without obligations omitted */
    size_t values_cap;
    size_t values_count;
    uint64_t gross_value;    /* sum of values[].gross (all currencies added together) */
    uint64_t net_value;      /* sum of values[].net */
    uint64_t gross_quantity; /* sum of quantity over all obligations */
    uint64_t net_quantity;   /* sum of the positive net securities positions */
} stl_net_out;

/* One result per operation, ordered by precedence (the first that applies is returned);
 * numbers are stable. */
typedef enum stl_net_rc {
    STL_NET_OK = 0,
    STL_NET_TOO_MANY = 1,   /* obligation_count > STL_NET_OBLIGATION_MAX or a dim too big */
    STL_NET_BAD_INDEX = 2,  /* an index is >= its dim */
    STL_NET_SELF = 3,       /* an obligation has from == to */
    STL_NET_BAD_AMOUNT = 4, /* quantity or cash_amount > STL_AMOUNT_MAX */
    STL_NET_OVERFLOW = 5,   /* a net position or a value total does not fit its type */
    STL_NET_WORKSPACE = 6,  /* workspace smaller than stl_net_workspace_bytes() */
    STL_NET_CAPACITY = 7,   /* an output array is too small */
} stl_net_rc;

/* Bytes of workspace stl_net_compute needs for obligation_count obligations (64 per
 * obligation plus a fixed 768 KiB for the radix histograms). */
size_t stl_net_workspace_bytes(size_t obligation_count);

/* Nets obligations[0..obligation_count).
 * Returns STL_NET_OK and fills *out; on any other result *out's counts are zero and the
 * arrays' contents are unspecified. Work: O(obligation_count), three radix passes at most.
 * Args: out         caller-owned arrays with their capacities set.
 *       workspace   scratch, >= stl_net_workspace_bytes(obligation_count) bytes, 16-aligned;
 *                   its contents are unspecified afterwards.
 *       dims        the index spaces.
 *       obligations borrowed for the call only. */
stl_net_rc stl_net_compute(stl_net_out *out, void *workspace, size_t workspace_bytes,
                           const stl_net_dims *dims, const stl_obligation *obligations,
                           size_t obligation_count) __attribute__((warn_unused_result));

/* Stable name of a result ("OK", "OVERFLOW", ...). Never NULL. */
const char *stl_net_rc_name(stl_net_rc rc);

#endif
