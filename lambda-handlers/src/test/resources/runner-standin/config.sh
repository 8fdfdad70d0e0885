#!/bin/bash
echo "config.sh is not used with --jitconfig"
exit 1
