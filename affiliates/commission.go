package affiliates

import "math/big"

// The one rounding rule of the ledger: an exact integer product divided by an
// integer, rounded half up (half away from zero for the non-negative amounts
// used here), computed with big integers — never floating point.
//
//	commission(line)        = round(amountMinor × bps / 10000)
//	reversed(line, refunded) = round(accrued × refundedMinor / amountMinor)
//
// Partial refunds reverse the difference between the cumulative target and
// what was already reversed, so a line can never lose more than it accrued
// and a full refund reverses exactly what was accrued.

// mulDivRound returns round-half-up(a × b / c) for a, b ≥ 0 and c > 0.
func mulDivRound(a, b, c int64) int64 {
	num := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	num.Mul(num, big.NewInt(2))
	num.Add(num, big.NewInt(c))
	den := new(big.Int).Mul(big.NewInt(c), big.NewInt(2))
	return num.Quo(num, den).Int64()
}

// Commission is the commission on a line amount at a rate in basis points.
func Commission(amountMinor int64, bps int) int64 {
	return mulDivRound(amountMinor, int64(bps), 10000)
}

// reversalTarget is how much of accrued should have been reversed once
// refundedMinor of a line worth amountMinor has been refunded.
func reversalTarget(accrued, refundedMinor, amountMinor int64) int64 {
	if amountMinor <= 0 {
		return accrued
	}
	if refundedMinor >= amountMinor {
		return accrued
	}
	return mulDivRound(accrued, refundedMinor, amountMinor)
}
