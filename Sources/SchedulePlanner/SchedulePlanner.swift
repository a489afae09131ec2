import ScheduleLanguage
// The planner lands with issue 3.
