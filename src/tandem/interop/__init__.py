"""Interoperability formats: NENA EIDO 1.0 in and out (`eido`); FHIR and HSDS to follow."""
