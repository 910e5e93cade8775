.PHONY: install build test typecheck lint conformance bench e2e start ci

install:
	npm ci

# TypeScript runs through tsx; "build" is the strict typecheck.
build typecheck:
	npm run typecheck

test:
	npm test

lint:
	npm run lint

conformance:
	npx portico conformance --cases ../shared/conformance --expected-passing conformance/expected-passing.txt

bench:
	npm run bench

start:
	npm start

e2e:
	bash e2e/run.sh

ci:
	bash .ci/run
