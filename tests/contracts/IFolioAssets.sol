// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// folio's native instruments, as a precompiled contract at 0x…0100 (specs/vm_ledger.md).
/// `transfer` moves the caller's own holding under the same rules as a native transfer
/// (the instrument's rules, regulator controls and its compliance contract); it reverts with
/// the ledger's result name and detail when a rule refuses.
interface IFolioAssets {
    function balanceOf(string calldata id, address account) external view returns (uint256);
    function transfer(string calldata id, address to, uint256 amount) external returns (bool);
    /// kind: 1 equity, 2 bond, 3 cash; scale: decimal places of the minor unit.
    function instrument(string calldata id)
        external
        view
        returns (uint256 kind, address issuer, uint256 supply, uint256 scale, uint256 holders);
    function complianceOf(string calldata id) external view returns (address);
}

IFolioAssets constant FOLIO_ASSETS = IFolioAssets(address(0x100));
