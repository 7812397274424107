# labs: a student writes one piece of the runtime; the grader scores it.
#
# make lab-start LAB=n           the student's copy in labs-work/ (never overwritten)
# make grade LAB=n               grade that copy: one line per test, then `score: X/Y`
# make grade LAB=n REFERENCE=1   grade the runtime's own code (full marks)
# make labs-check                every lab: reference full, starter 0, planted answer
#                                loses exactly its test (part of `make test`)
LAB ?=
LAB_WHICH := $(if $(REFERENCE),reference,$(if $(STARTER),starter,$(if $(PLANTED),planted,student)))

.PHONY: lab-start grade labs-check
lab-start:
	@test -n "$(LAB)" || { echo "usage: make lab-start LAB=n (lessons/labs/README.md lists them)" >&2; exit 2; }
	@sh lessons/labs/lab-start.sh $(LAB)

grade: $(WTA_TRACE_BIN)
	@test -n "$(LAB)" || { echo "usage: make grade LAB=n [REFERENCE=1]" >&2; exit 2; }
	@sh lessons/labs/grade.sh $(LAB) $(LAB_WHICH) $(WTA_TRACE_BIN)

labs-check: $(WTA_TRACE_BIN)
	sh lessons/labs/check.sh $(WTA_TRACE_BIN)
