"""Pure analyzers: functions of (spec, plan, options) that return result objects."""
