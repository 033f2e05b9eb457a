/* Mutation of specs/consensus.pml: the lock rule removed (an honest validator prevotes
 * for any proposal, whatever it is locked on). spin must find an agreement violation
 * here; tests/e2e/spin_consensus.sh fails if it does not, so the model of the real
 * protocol is known not to verify vacuously. */
#define NOLOCK 1
#include "consensus.pml"
