"""Tandem: one call end to end, from the 911 call to the follow-up and the grant report."""
