"""The use cases, one module per capability; each command reads like the rule book: load,
check (pure functions of `ledger/rules.py` and the aggregates' own checks), record.

- `referentials`: start the ledger, publish a referential version
- `enrolment`: enrol, link a person, withdraw, re-enrol, change route
- `assessments`: épreuve results, VAE admission and interview
- `jury`: convene a session, record a decision
- `certificates`: issue, revoke, reinstate (after a mistaken revocation), reissue
- `corrections`: rectify or annul a decision, rectify an identity
- `transmission`: write, check and record the CPF flow
- `erasure`: erase a candidate's personal data
- `credentials`: the certifier's signing key (parchment codes, Open Badges, status lists)
- `surveys`: insertion surveys of holders (6 and 24 months after the title)

Each command is a function of the `Ledger` (its unit of work, clock and queries) and its
arguments; `ledger/application.py` lists them as the ledger's methods.
"""
