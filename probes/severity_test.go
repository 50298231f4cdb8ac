package probes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAssess(t *testing.T) {
	th := DefaultThresholds()
	tests := []struct {
		name string
		in   Readings
		want Condition
		ok   bool
	}{
		{"nothing known", Readings{}, Condition{}, false},
		{"memory alone", Readings{MemPercent: 2.7, MemOK: true}, Condition{Level: Normal, Cause: "memory 2.7 %", Memory: true}, true},
		{"reserved slots only", Readings{MemPercent: 2.7, MemOK: true, PGUsed: 37, PGMax: 40, PGOrdinaryLimit: 37},
			Condition{Level: High, Cause: "PostgreSQL 37/40 connections", Memory: false}, true},
		{"connections below the limit", Readings{MemPercent: 2.7, MemOK: true, PGUsed: 10, PGMax: 40, PGOrdinaryLimit: 37},
			Condition{Level: Normal, Cause: "memory 2.7 %", Memory: true}, true},
		{"every slot taken", Readings{MemPercent: 90, MemOK: true, PGUsed: 40, PGMax: 40, PGOrdinaryLimit: 37},
			Condition{Level: Critical, Cause: "PostgreSQL 40/40 connections", Memory: false}, true},
		{"recent kills", Readings{MemPercent: 2.7, MemOK: true, OOMKillsLastHour: 6, OOMOK: true},
			Condition{Level: Critical, Cause: "6 OOM kills in the last hour", Memory: false}, true},
		{"one kill", Readings{MemPercent: 2.7, MemOK: true, OOMKillsLastHour: 1, OOMOK: true},
			Condition{Level: High, Cause: "1 OOM kill in the last hour", Memory: false}, true},
		{"memory wins a tie", Readings{MemPercent: 88, MemOK: true, OOMKillsLastHour: 1, OOMOK: true},
			Condition{Level: High, Cause: "memory 88.0 %", Memory: true}, true},
		{"kernel log unreadable", Readings{MemPercent: 2.7, MemOK: true, OOMKillsLastHour: 6},
			Condition{Level: Normal, Cause: "memory 2.7 %", Memory: true}, true},
		{"memtui refused: too many clients", Readings{MemPercent: 2.7, MemOK: true, PGRefusedFull: true},
			Condition{Level: Critical, Cause: "PostgreSQL refuses clients: every connection slot taken", Memory: false}, true},
		{"postgres known before memory", Readings{PGUsed: 3, PGMax: 100, PGOrdinaryLimit: 97},
			Condition{Level: Normal, Cause: "PostgreSQL 3/100 connections", Memory: false}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Assess(tc.in, th)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			// Short is the header's narrow form, checked by the ui's
			// header tests at 80 columns.
			if ok && got.Short == "" {
				t.Errorf("no short cause for %q", got.Cause)
			}
			got.Short = ""
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
