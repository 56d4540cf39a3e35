/* SPDX-License-Identifier: BSD-3-Clause */
#include "base/pcl_log.h"

RTE_LOG_REGISTER(pcl_logtype, portcullis, INFO);
