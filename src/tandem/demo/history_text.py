"""Fictional text for synthetic history: names, streets, narratives and clinical notes.

Every string here is invented and generic. Each clinical string says it is synthetic, so
a screenshot of demo data can never be mistaken for a real record.
"""

# fmt: off
GIVEN_NAMES = (
    "Alex", "Avery", "Bailey", "Blake", "Cameron", "Casey", "Charlie", "Dakota", "Devon",
    "Drew", "Eden", "Elliot", "Emerson", "Finley", "Frankie", "Gray", "Harper", "Hayden",
    "Indigo", "Jamie", "Jesse", "Jordan", "Jules", "Kai", "Kendall", "Lane", "Logan",
    "Marlow", "Morgan", "Noel", "Oakley", "Parker", "Peyton", "Quinn", "Reese", "Riley",
    "Rowan", "Sage", "Sawyer", "Shay", "Skyler", "Sterling", "Tatum", "Taylor", "Toby",
    "Val", "Wren", "Winter",
)

FAMILY_NAMES = (
    "Alder", "Ashby", "Birch", "Brook", "Calder", "Carrow", "Dale", "Denholm", "Ellery",
    "Fenwick", "Garrow", "Hale", "Hartwell", "Holloway", "Ingram", "Keld", "Larkin",
    "Linden", "Marsh", "Merrow", "Norcott", "Oakes", "Pell", "Quarry", "Rook", "Rowe",
    "Sallow", "Sedge", "Thorne", "Tilbury", "Underhill", "Vane", "Wardle", "Wick",
    "Yarrow", "Yew",
)

STREETS = (
    "Maple Ave", "Cedar St", "Elm St", "Prairie Rd", "River Rd", "Main St", "2nd St",
    "Oak Ln", "Hillcrest Dr", "Sunset Blvd", "Lincoln Ave", "Park Pl", "Mill St",
    "Orchard Way", "Willow Ct", "Depot St", "Church St", "Meadow Ln",
)
# fmt: on

# Call narratives: an opening and a detail, joined; all generic and fictional.
NARRATIVE_OPENINGS = (
    "Caller reports an adult",
    "Family member reports a relative",
    "Neighbor reports a person",
    "Store staff report a person",
    "Caller reports a known party",
    "Passer-by reports a person",
)
NARRATIVE_DETAILS = (
    "acting erratically and talking to themselves.",
    "expressing thoughts of self-harm.",
    "who appears confused and disoriented.",
    "who is distressed and refusing to leave.",
    "who may have taken an unknown quantity of pills.",
    "who appears heavily intoxicated.",
    "who has not been heard from in two days.",
    "yelling in the street; no weapons seen.",
)

POLICE_NARRATIVES = (
    "Synthetic: arrived, made contact, scene calm; team took over the conversation.",
    "Synthetic: subject located at residence; family present; no hazards noted.",
    "Synthetic: subject cooperative after de-escalation; officer stood by.",
    "Synthetic: brief contact, subject agreed to speak with the clinician.",
)

SAFETY_NOTES = (
    "Synthetic: dog on premises.",
    "Synthetic: approach from the front; subject startles easily.",
    "Synthetic: kitchen knives reported in the home; none seen on scene.",
    "Synthetic: subject prefers to talk outside.",
)

CHARGES = (
    "Synthetic: criminal trespass.",
    "Synthetic: disorderly conduct.",
    "Synthetic: outstanding warrant.",
    "Synthetic: assault (minor).",
)

PRESENTING_PROBLEMS = {
    "mental_health": "Synthetic: acute distress with disorganised thinking.",
    "suicide": "Synthetic: passive suicidal ideation, no plan disclosed.",
    "substance": "Synthetic: intoxication with low mood.",
    "welfare": "Synthetic: self-neglect and social isolation.",
    "other": "Synthetic: situational crisis after a family conflict.",
}

CLINICAL_NOTES = (
    "Synthetic note: person engaged in safety planning and named two supports.",
    "Synthetic note: calm by end of contact; agreed to a follow-up call.",
    "Synthetic note: reports poor sleep and stopped medication last month.",
    "Synthetic note: coping skills reviewed; family given crisis line number.",
)

DIAGNOSIS_IMPRESSIONS = (
    "Synthetic impression: adjustment reaction.",
    "Synthetic impression: mood disturbance, unspecified.",
    "Synthetic impression: psychotic symptoms, unspecified.",
    "Synthetic impression: anxiety, unspecified.",
)

SUBSTANCE_USE_NOTES = (
    "Synthetic Part 2 note: reports daily alcohol use; interested in withdrawal care.",
    "Synthetic Part 2 note: previous treatment episode; open to peer recovery support.",
)

REFERRAL_REASONS = (
    "Synthetic: ongoing support after crisis contact.",
    "Synthetic: needs medication review.",
    "Synthetic: requested help with substance use.",
    "Synthetic: housing instability raised during the contact.",
)

FOLLOWUP_NOTES = (
    "Synthetic: spoke with the person; first appointment confirmed.",
    "Synthetic: left a voicemail; will try again.",
    "Synthetic: person doing better, declined further help.",
)

FOLLOWUP_OUTCOMES = {
    "done": "Reached; referral confirmed",
    "closed": "No contact after three attempts",
    "open": "",
}

TRANSPORT_DESTINATIONS = {
    "transport_crisis_center": "Regional crisis stabilization unit",
    "transport_ed": "Community hospital emergency department",
    "transport_detox": "Sobering and withdrawal center",
    "transport_clinic": "Walk-in behavioral-health clinic",
    "involuntary_hold": "Community hospital emergency department",
}

# Directory entries made when a region has none (organisation names are invented).
FALLBACK_SERVICES = (
    ("crisis_stabilization", "Crisis Stabilization Unit", "Harbor Light Crisis Center"),
    ("detox", "Withdrawal Management", "Clearwater Recovery Services"),
    ("outpatient_mh", "Outpatient Counseling", "Riverbend Community Mental Health"),
    ("peer_support", "Peer Support Line and Drop-in", "Common Ground Peer Network"),
    ("housing", "Rapid Rehousing", "Hearthstone Housing Partners"),
    ("veterans", "Veterans Outreach", "Prairie Veterans Alliance"),
    ("youth", "Youth Crisis and Family Support", "Northstar Youth Services"),
)


def address_pool() -> list[str]:
    """House numbers times streets: enough variety without storing anything real."""
    return [f"{n} {street}" for n in range(100, 2000, 37) for street in STREETS]


def narrative_pool() -> list[str]:
    return [f"Synthetic: {a} {b}" for a in NARRATIVE_OPENINGS for b in NARRATIVE_DETAILS]
