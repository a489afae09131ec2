import SchedulePlanner
import Training
import Charts
// The plan executor lands with issue 5.
