/* One height of folio's consensus (specs/consensus.md, Tendermint Algorithm 1) for
 * exhaustive checking of agreement with spin.
 *
 * 3 honest validators (0, 1, 2) and 1 Byzantine validator (3); n = 4, f = 1, quorum 3.
 * Rounds 0 and 1. Values A and B (all valid), NIL.
 *
 * Abstractions, each an over-approximation of what the adversary can do, so agreement
 * here implies agreement for these schedules of the real protocol:
 *  - The network: every message sent is in a global set; a validator may act on any
 *    guard that holds over that set at any time, or not (delay, loss before GST), and
 *    its timeouts may fire at any time. Guards are monotone in the set, so acting on the
 *    whole set covers acting on any subset received so far.
 *  - The Byzantine validator has sent everything: a prevote and a precommit for A, for B
 *    and for nil in every round (+1 in every count), and it is the proposer of round 0,
 *    where it proposes A to some validators and B to others (each honest validator may
 *    see either).
 *  - The round-skip rule (f+1 messages of a later round) and the precommit timeout
 *    become: a validator may move to round 1 at any time.
 *  - Validator 2 is the (honest) proposer of round 1: it proposes its valid value with
 *    its valid round, or any value with valid round -1.
 *
 * Property: no two honest validators decide different values (assertion in decide).
 * specs/consensus_nolock.pml is this model with the lock rule removed (NOLOCK), which
 * spin must reject. Run: tests/e2e/spin_consensus.sh. */

#ifndef NOLOCK
#define NOLOCK 0
#endif

#define A 1
#define B 2
#define NIL 3
#define Q 3 /* 2f + 1 */

#define PROPOSE 0
#define PREVOTE 1
#define PRECOMMIT 2
#define DONE 3

/* Votes of the honest validators, index round * 3 + validator; 0 = not sent. */
byte prevote[6];
byte precommit[6];
/* The round-1 proposal (from honest validator 2): value (0 = none) and valid round. */
byte prop1_v;
short prop1_vr = -1;
byte decided[3];

/* Counts include the Byzantine validator's vote for every value. */
#define PV(r, v) (1 + (prevote[(r) * 3] == (v)) + (prevote[(r) * 3 + 1] == (v)) + (prevote[(r) * 3 + 2] == (v)))
#define PC(r, v) (1 + (precommit[(r) * 3] == (v)) + (precommit[(r) * 3 + 1] == (v)) + (precommit[(r) * 3 + 2] == (v)))
/* Whether a proposal of v exists in round r (round 0: the Byzantine proposer sent both). */
#define PROP(r, v) ((r) == 0 || prop1_v == (v))

inline decide(v)
{
    decided[p] = v;
    assert(decided[0] == 0 || decided[0] == v);
    assert(decided[1] == 0 || decided[1] == v);
    assert(decided[2] == 0 || decided[2] == v);
    step = DONE
}

/* L22 / L28 once the proposal (v, vr) is accepted: the lock rule. */
inline prevote_for(v, vr)
{
    if
    :: (NOLOCK || lockedR <= vr || lockedV == v) -> prevote[r * 3 + p] = v
    :: else -> prevote[r * 3 + p] = NIL
    fi;
    step = PREVOTE
}

/* L36 for value v: lock if still prevoting, and remember v as valid. */
inline polka_on(v)
{
    polka = true;
    if
    :: step == PREVOTE ->
        lockedV = v;
        lockedR = r;
        precommit[r * 3 + p] = v;
        step = PRECOMMIT
    :: else -> skip
    fi;
    validV = v;
    validR = r
}

proctype Honest(byte p)
{
    byte r = 0;
    byte step = PROPOSE;
    byte lockedV = 0;
    short lockedR = -1;
    byte validV = 0;
    short validR = -1;
    bool polka = false;

end:
    do
    /* L16-L19: validator 2 proposes in round 1. */
    :: atomic { step == PROPOSE && r == 1 && p == 2 && prop1_v == 0 ->
        if
        :: validV != 0 -> prop1_v = validV; prop1_vr = validR
        :: validV == 0 -> prop1_v = A; prop1_vr = -1
        :: validV == 0 -> prop1_v = B; prop1_vr = -1
        fi }
    /* L22 on the Byzantine proposal of round 0 (A or B). */
    :: atomic { step == PROPOSE && r == 0 -> prevote_for(A, -1) }
    :: atomic { step == PROPOSE && r == 0 -> prevote_for(B, -1) }
    /* L22 / L28 on the proposal of round 1. */
    :: atomic { step == PROPOSE && r == 1 && prop1_v != 0 && prop1_vr == -1 ->
        prevote_for(prop1_v, -1) }
    :: atomic { step == PROPOSE && r == 1 && prop1_v != 0 && prop1_vr == 0 &&
                PV(0, prop1_v) >= Q -> prevote_for(prop1_v, 0) }
    /* L57: timeout propose. */
    :: atomic { step == PROPOSE -> prevote[r * 3 + p] = NIL; step = PREVOTE }
    /* L36: polka for the proposal. */
    :: atomic { (step == PREVOTE || step == PRECOMMIT) && !polka && PROP(r, A) &&
                PV(r, A) >= Q -> polka_on(A) }
    :: atomic { (step == PREVOTE || step == PRECOMMIT) && !polka && PROP(r, B) &&
                PV(r, B) >= Q -> polka_on(B) }
    /* L44: polka for nil. */
    :: atomic { step == PREVOTE && PV(r, NIL) >= Q -> precommit[r * 3 + p] = NIL; step = PRECOMMIT }
    /* L61: timeout prevote. */
    :: atomic { step == PREVOTE -> precommit[r * 3 + p] = NIL; step = PRECOMMIT }
    /* L55 / L65: on to round 1 (round skip or precommit timeout). */
    :: atomic { step != DONE && r == 0 -> r = 1; step = PROPOSE; polka = false }
    /* L49: decide on 2f+1 precommits for a value in any round. */
    :: atomic { step != DONE && (PC(0, A) >= Q || PC(1, A) >= Q) -> decide(A) }
    :: atomic { step != DONE && (PC(0, B) >= Q || PC(1, B) >= Q) -> decide(B) }
    od
}

init
{
    atomic {
        run Honest(0);
        run Honest(1);
        run Honest(2)
    }
}
