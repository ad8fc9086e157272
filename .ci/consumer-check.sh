#!/usr/bin/env bash
# Installs the packed library (dist/js) into fresh consumer apps, as a user would, and synthesizes
# the README's smallest example with both cdk-nag packs (.ci/consumer/app.js): on the newest
# aws-cdk-lib with cdk-nag 3 and with cdk-nag 2, and on the declared minimum aws-cdk-lib with
# cdk-nag 2. No esbuild may be installed and no Docker may run: the handlers ship pre-bundled.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball="$(ls "$PWD"/dist/js/*.tgz)"
minimum="$(node -p "require('./package.json').peerDependencies['aws-cdk-lib'].replace(/^[^0-9]*/, '')")"
for combo in "latest 3" "latest 2" "$minimum 2"; do
  read -r cdk nag <<< "$combo"
  dir="$(mktemp -d)"
  (
    cd "$dir"
    npm init -y > /dev/null
    npm install --no-audit --no-fund --loglevel=error "aws-cdk-lib@$cdk" 'constructs@^10' "cdk-nag@^$nag" "$tarball" > install.log 2>&1 \
      || { cat install.log; exit 1; }
    if node -e "require.resolve('esbuild')" 2> /dev/null; then
      echo "esbuild is installed in the consumer app: the check cannot prove that it is not needed" >&2
      exit 1
    fi
    cp "$OLDPWD/.ci/consumer/app.js" .
    # Any attempt to bundle with Docker would run this command and fail.
    CDK_DOCKER=/bin/false node app.js
  )
  rm -rf "$dir"
done
