import { jenkins } from '../../../../src/classification/tool-packs/jenkins/pack.js';
import { packTable } from './table.js';

packTable(jenkins, [
  { why: 'a failed build is critical (Jenkins ranks FAILURE above UNSTABLE)', subject: 'Build failed in Jenkins: shop-frontend #42', facts: { host: null, check: 'shop-frontend', state: 'problem', severity: 'critical' } },
  { why: 'back to normal is a recovery', subject: 'Jenkins build is back to normal : shop-frontend #43', facts: { host: null, check: 'shop-frontend', state: 'recovery', severity: 'info' } },
  { why: 'unstable is a warning', subject: 'Jenkins build is unstable: api #7', facts: { host: null, check: 'api', state: 'problem', severity: 'warn' } },
  { why: 'Email Extension\'s default subject', subject: 'checkout-api - Build # 305 - Failure!', from: 'jenkins@ci.example.test', facts: { host: null, check: 'checkout-api', state: 'problem', severity: 'critical' } },
  { why: 'Email Extension: fixed', subject: 'checkout-api - Build # 306 - Fixed!', from: 'jenkins@ci.example.test', facts: { host: null, check: 'checkout-api', state: 'recovery', severity: 'info' } },
  { why: 'the same shape from another sender is not Jenkins', subject: 'report - Build # 3 - Failure!', from: 'robot@example.test', facts: null },
]);
