module.exports = require('@agentstate/eslint-config');
