//go:build race

package main

// raceEnabled: the race detector is on (it reserves terabytes of address
// space in every process, which tests that judge virtual size cannot use).
const raceEnabled = true
