package ui

import "github.com/memtui/memtui/probes"

// fleetTickMsg asks for the next fleet refresh. Sent by fleetTickCmd,
// consumed by FleetModel.Update; a tick whose tag is not the model's current
// one is dropped, so a manual refresh never doubles the schedule.
type fleetTickMsg struct{ tag int }

// fleetReadMsg carries one refresh of the whole fleet. Sent by
// fleetReadCmd, consumed by FleetModel.Update (an error keeps the last rows,
// marked stale).
type fleetReadMsg struct{ r probes.FleetReading }
