module.exports = require('./base');
