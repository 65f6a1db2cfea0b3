module.exports = require('@agentstate/jest-config');
