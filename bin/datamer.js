#!/usr/bin/env node
// `npx datamer …`: build first if needed (built-ins only), then the CLI.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'ensure-built.mjs')], { stdio: 'inherit' });
require('../dist/src/cli/main.js');
